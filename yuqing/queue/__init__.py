"""The shared work queue on Redis: a scheduler enqueues crawls, any number of workers take them and share the
alert rules, each under a lease so no source is crawled and no rule evaluated by two workers at once.

Built on RQ (see the README's "Many workers" section for why): ``scheduler`` decides what is due, ``jobs`` is
what a worker runs for a crawl job, ``evaluator`` shares the rules between workers, ``lease`` is the Redis
lease they all use, ``health`` the numbers ``/healthz`` and ``yuqing workers`` show, ``process`` the
``yuqing worker`` process. Nothing below the roof imports this package.
"""
