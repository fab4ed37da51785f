"""Complaint understanding: category (multi-label, with evidence), type, urgent grade, across domains.

- :mod:`.lexicon` — the aspect words every domain shares (features of the model, evidence for agents);
- :mod:`.features` — what the linear model reads: character n-grams, aspect hits, type cues;
- :mod:`.model` — the trained linear model (a small JSON artifact), scored through one numpy matrix, and its
  prediction with evidence (the text's words that hold the n-grams behind a decision);
- :mod:`.kind` — complaint / suggestion / enquiry / praise;
- :mod:`.urgency` — urgent cases (safety, health, regulator or media threats), with negation handling;
- :mod:`.devset` — the hand-labelled development set, keyed by hash over ``../shared`` texts;
- :mod:`.train` and :mod:`.evaluate` — the reproducible training command and the per-domain table.
"""
