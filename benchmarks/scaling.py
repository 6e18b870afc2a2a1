"""Scaling: wall time and peak RSS of a whole run at growing suite sizes.

Both models live at zero latency against the simulator in its own process, so the
figures are the client's own cost per case. Prints a row per size and the marginal cost
per case between the smallest and the largest size (the slope, which start-up does not
blur).

    python benchmarks/scaling.py --cases 1000 5000 20000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from loopback import CLI, peak_rss_mb, simulator, write_config, write_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    rows: list[tuple[int, float, float]] = []
    print(f"{'cases':>7}{'requests':>10}{'wall':>9}{'ms/request':>12}{'peak RSS':>10}{'KB/case':>9}")
    for count in args.cases:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            suite = write_suite(folder / "suite.jsonl", count)
            with simulator(folder, suite, 0.0) as url:
                config = write_config(folder, url, suite, args.concurrency, cache=True)
                wall, rss = peak_rss_mb(
                    [*CLI, "run", "--config", str(config), "--out", str(folder / "out"), "-q"]
                )
        rows.append((count, wall, rss))
        print(
            f"{count:>7}{2 * count:>10}{wall:>8.2f}s{1000 * wall / (2 * count):>12.3f}{rss:>8.0f}MB"
            f"{1024 * rss / count:>9.1f}"
        )
    (small, small_wall, small_rss), (large, large_wall, large_rss) = rows[0], rows[-1]
    if large > small:
        per_request = 1000 * (large_wall - small_wall) / (2 * (large - small))
        per_case = 1024 * (large_rss - small_rss) / (large - small)
        print(f"marginal     {per_request:.3f} ms per request, {per_case:.1f} KB of peak RSS per case")


if __name__ == "__main__":
    main()
