"""Discord adapter: a thin discord.py layer over :class:`faq.service.FaqService`.

``bot.launcher`` is the composition root (``faqbot run`` / ``python -m bot``);
``bot.client.FaqBot`` gets its dependencies through the constructor; the features
live in ``bot/exts/`` (one cog per file).
"""
