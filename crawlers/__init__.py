"""Collection: a Scrapy project whose spiders turn platform responses into mention items.

Source types (what a YAML ``sources:`` entry may say) live in :mod:`crawlers.sources`; each names the spider
that crawls it. Crawls always run in their own process (:mod:`crawlers.runner`), never inside the API.
"""
