"""Collection: a Scrapy project whose spiders turn platform responses into mention items.

Source types (what a YAML ``sources:`` entry may say) live in :mod:`crawlers.sources`; each names the spider
that crawls it; :mod:`crawlers.config` declares the brands and scheduler sections and what a crawl reads of
the rest of the configuration. Crawls always run in their own process (:mod:`crawlers.runner`), never inside the API.
"""
