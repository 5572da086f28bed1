"""Let pytest keep its assertion-rewritten bytecode, even under ``PYTHONDONTWRITEBYTECODE``.

pytest rewrites the ``assert`` statements of the test modules and of every pytest plugin's
package (hypothesis, schemathesis and faker here: about 350 modules), and caches the result
in ``__pycache__`` only if Python may write bytecode. With ``PYTHONDONTWRITEBYTECODE=1`` set,
every run rewrote them all again: 2.5 s of a 4.5 s run of one test file. Loaded with ``-p``
(``pyproject.toml``) before the plugins, this module lets the pytest process write that cache;
the processes the tests start still follow the variable (``scripts/test.sh`` compiles the
project's bytecode for them once).
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = False
