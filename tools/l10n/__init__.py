"""Translated lessons from one English source: gettext catalogs for the notebooks, the quizzes and the kit.

The English notebooks (``notebooks/*.ipynb``, ``notebooks/solutions/*.ipynb``), the quizzes
(``lib/quizzes/NN.json``) and the kit's messages (``_()`` calls in ``lib/``) are the source. Catalogs:

* ``locale/templates/<notebook>.pot``: one domain per notebook, one entry per paragraph, list item,
  heading or table of its markdown cells (context ``<notebook>.ipynb:<cell id>:<n>``), plus the
  questions, answers and feedback of its lesson's quiz (context ``quizzes/NN.json:q<i>[:a<j>]:<field>``);
* ``locale/templates/transferkit.pot``: the kit's messages;
* ``locale/<lang>/LC_MESSAGES/<domain>.po``: one translation per language and domain, so translators
  work on different notebooks in parallel with any PO editor (Poedit, Weblate, Lokalize).

Subcommands (``make l10n-*`` runs them; see locale/README.md)::

    python3 tools/l10n.py extract            # English -> locale/templates/*.pot
    python3 tools/l10n.py update [--lang tl]  # .pot -> .po: changed English fuzzy, new untranslated, removed obsolete
    python3 tools/l10n.py init yo             # a new language: empty catalogs for every domain
    python3 tools/l10n.py compile             # transferkit.po -> lib/locale/<lang>/LC_MESSAGES/transferkit.mo
    python3 tools/l10n.py render [--allow-missing] [--notebook 01_feature_extraction]
                                             # -> notebooks/<lang>/..., lib/quizzes/<lang>/NN.json
    python3 tools/l10n.py check [--draft]     # CI: exit 1 naming every stale, missing or broken entry
    python3 tools/l10n.py stats               # per language: entries, translated, fuzzy, ...
    python3 tools/l10n.py todo tl --notebook 01_feature_extraction > todo.json   # what needs work, as JSON
    python3 tools/l10n.py apply tl todo.json  # its filled-in `translation`s -> the .po (placeholders checked)

One job a module, each given a ``Paths`` (the repository it works on; nothing is rewritten at run time):

* ``paths``: where things are; ``units``: markdown cells and quizzes -> translatable units;
* ``placeholders``: what a translation must keep; ``catalogs``: reading and writing .pot/.po/.mo;
* ``extract``, ``update`` (and ``init``), ``render`` (and ``compile``), ``check``, ``stats``,
  ``todo`` (and ``apply``): the commands; ``cli``: the command line.

Everything here needs Babel and the standard library only (``make l10n-check`` runs without TensorFlow).
"""
