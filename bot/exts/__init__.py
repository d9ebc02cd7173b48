"""Bot extensions: one cog per feature, each with ``async def setup(bot)``."""
