"""Complaint understanding: category (multi-label, with evidence), type, urgent grade, across domains.

- :mod:`.lexicon` — the aspect words every domain shares (features of the model, evidence for agents);
- :mod:`.features` — what the linear model reads: jieba words, character n-grams, aspect hits;
- :mod:`.segment` — the jieba cut the model was trained with (Python jieba's), computed by jieba-rs where equal;
- :mod:`.model` — the trained linear model (a small JSON artifact) and its prediction with evidence;
- :mod:`.kind` — complaint / suggestion / enquiry / praise;
- :mod:`.urgency` — urgent cases (safety, health, regulator or media threats), with negation handling;
- :mod:`.devset` — the hand-labelled development set, keyed by hash over ``../shared`` texts;
- :mod:`.train` and :mod:`.evaluate` — the reproducible training command and the per-domain table.
"""
