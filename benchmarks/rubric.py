"""Written grading is linear in the response length (issue #12 item 6: 20,000 characters took 6.8 s).

Grades synthetic responses of 1,000, 5,000 and 20,000 characters (real sentences, a few list lines and
stock phrases mixed in) against a rubric of five criteria with facts and forbidden claims, and times the
same texts segmented by jieba alone: the floor no word-based grader can beat. Prints one JSON line:

    {"chars": [...], "grade_ms_per_1000": {...}, "floor_ms_per_1000": {...},
     "ratio_20000_to_1000": …, "ratio_to_floor_max": …}

A linear grader keeps ``ratio_20000_to_1000`` near 1 (time per 1,000 characters does not grow with the
length). ``python -m benchmarks.rubric [--smoke]``; pure Python, no database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from benchmarks.support import emit, note

SIZES = (1_000, 5_000, 20_000)
RUNS = 5
SMOKE_RUNS = 1

SENTENCES = (
    "我们向每一位受影响的会员诚恳道歉，这次故障给大家带来了很多不便。",
    "周六下午系统升级后回调超时，部分订单被重复扣款。",
    "多扣的钱会在 48 小时内原路退回，你不需要做任何操作。",
    "明天中午前我们会在群里同步退款进度，一周内公布复盘和改进措施。",
    "如果两天后还没有收到退款，请联系客服，我们会逐一处理。",
    "这次是我们自己的系统问题，责任在我们，我们已经回滚了这次升级。",
    "接下来每次升级前我们都会先在小范围内试运行，确认没有问题再全面上线。",
    "- 道歉\n- 退款",
    "多学习、多总结、全面提升。",
)

RUBRIC = {
    "pass_mark": 70,
    "min_chars": 0,
    "max_chars": 0,
    "review": "auto",
    "brief": "周六 14:00～16:00 支付系统升级后回调超时，214 笔订单被重复扣款。请写一段说明。",
    "criteria": [
        {
            "id": f"c{k}",
            "points": "4",
            "description": "说明要点。",
            "concepts": [
                ["道歉", "抱歉"],
                ["影响", "不便"],
                ["退款", "退回"],
                ["客服", "联系"],
                ["复盘", "改进"],
            ],
            "required": [],
            "forbidden": ["与我们无关"],
            "facts": [{"id": "window", "pattern": r"48\s*(小时|个小时|h)|两天内", "reason": "r"}],
            "forbids": [
                {"id": "amount", "pattern": r"赔[偿付]?\s*\d+\s*元|每人.{0,6}\d+\s*元", "reason": "r"}
            ],
        }
        for k in range(5)
    ],
}


def response(chars: int, seed: int = 7) -> str:
    """A response of about ``chars`` characters built from real sentences, list lines and stock phrases."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < chars:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence)
        total += len(sentence) + 1
    return "\n".join(parts)[:chars]


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The median of ``runs`` timings in seconds (one warm-up run first)."""
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(sizes: tuple[int, ...] = SIZES, runs: int = RUNS) -> dict:
    from assessments.grading.rubric import _jieba, grade_written

    tokenizer = _jieba()
    grade: dict[str, float] = {}
    floor: dict[str, float] = {}
    for size in sizes:
        text = response(size)
        grade_s = best_of(runs, lambda text=text: grade_written(RUBRIC, text))
        floor_s = best_of(runs, lambda text=text: tokenizer.lcut(text))
        grade[str(size)] = round(grade_s * 1000 * 1000 / size, 3)
        floor[str(size)] = round(floor_s * 1000 * 1000 / size, 3)
        note(f"{size:,} chars: grade {grade_s * 1000:.1f} ms, jieba alone {floor_s * 1000:.1f} ms")
    first, last = str(sizes[0]), str(sizes[-1])
    return {
        "chars": list(sizes),
        "grade_ms_per_1000": grade,
        "floor_ms_per_1000": floor,
        f"ratio_{last}_to_{first}": round(grade[last] / grade[first], 3),
        "ratio_to_floor_max": round(max(grade[k] / floor[k] for k in grade), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one run per size (CI)")
    args = parser.parse_args()
    emit(measure(SIZES, SMOKE_RUNS if args.smoke else RUNS))


if __name__ == "__main__":
    main()
