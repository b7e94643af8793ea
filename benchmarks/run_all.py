"""Run every benchmark in this folder (``make bench``): each module's ``main()`` in turn.

Every ``bench_*.py`` is picked up by its name: among them ``bench_validate`` (a generated
50 MB ward-monthly file: ``spc.validate`` and ``safety-spc validate``, time and peak memory).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module  # as an import would (dataclasses look it up)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        print(f"\n=== {path.name} ===", flush=True)
        module.main([]) if "argv" in module.main.__code__.co_varnames else module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
