"""The roof's command line and processes: the ``yuqing`` CLI, the worker (scheduler) and the offline demo.

Yuqing (舆情) watches what people say about brands and turns bad news into handled complaints. This package
wires the floors below it (see ARCHITECTURE.md): it loads the configuration (:mod:`config`), hands each domain
its section, and runs them:

- :mod:`yuqing.cli`: the ``yuqing`` command, one module per command group;
- :mod:`yuqing.worker`: the scheduler: crawls in their own processes, alert evaluation on a timer;
- :mod:`yuqing.store_guard`: the worker's side of the outage policy (survive, record, catch up);
- :mod:`yuqing.demo`: a full monitoring cycle over a bundled offline site;
- :mod:`yuqing.report`: what a cycle did, printed for people.
"""

from foundation import __version__

__all__ = ["__version__"]
