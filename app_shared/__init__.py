"""What the app's pages share: the loaded context (``context``), Markdown-safe text (``text``),
Japanese wording of the packages' data (``wording``), the problem screens, rebuild + flash
messages, the sidebar and page navigation. Pages live in ``app_pages/``; ``app.py`` is the frame."""
