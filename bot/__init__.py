"""Discord adapter: a thin discord.py layer over the chat layer (:mod:`chat`) and :class:`faq.service.FaqService`.

It touches discord.py and nothing else does: events (``exts/answering.py``), slash
commands (``exts/faq_commands.py`` for /faq, ``exts/faq_admin.py`` for /faq-admin),
components (``ui/``), Discord markdown and limits (``replies.py``). It imports nothing from
``faqbot``: the composition root (:mod:`faqbot.launcher`) builds :class:`bot.client.FaqBot` with its dependencies.
"""
