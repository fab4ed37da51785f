"""Item pipelines every mention goes through, in this order (see :data:`crawlers.settings.ITEM_PIPELINES`):

1. :mod:`~crawlers.pipelines.normalize`: clean the text (HTML, whitespace, Unicode); drop empty ones.
2. :mod:`~crawlers.pipelines.dedupe`: drop a post seen before in the same run.
3. :mod:`~crawlers.pipelines.brands`: keep only posts that really mention a configured brand.
4. :mod:`~crawlers.pipelines.store`: buffer the posts, and for each batch, before writing it to the mention store,
   run the scoring stages (:data:`crawlers.settings.SCORING_STAGES`) over the whole batch at once:

   a. :mod:`~crawlers.pipelines.sentiment`: language, score and label;
   b. :mod:`~crawlers.pipelines.category`: the complaint category (the ticket classifier's).

Each is built with ``from_crawler`` from the config objects in the crawler settings, counts what it does in
the crawler stats (``yuqing/...`` keys from :mod:`crawlers.settings`) and raises nothing but ``DropItem``. The
scoring stages also work item by item (``process_item``), as pipelines of their own.
"""
