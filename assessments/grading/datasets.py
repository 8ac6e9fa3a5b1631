"""Seeded dataset generators for data drills: the same (params, seed) always gives the same table.

Every attempt gets its own seed, so recruits compute from their own numbers. A generator is a pure function
of its cleaned params and a private ``random.Random``; nothing global is touched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assessments.grading.base import Problem
from assessments.grading.base import mark as _


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" | "decimal"
    min: Decimal
    max: Decimal
    default: Decimal


@dataclass(frozen=True)
class Generator:
    name: str
    columns: tuple[str, ...]
    params: tuple[Param, ...]
    build: Callable[[dict[str, Decimal], random.Random], dict[str, list[int | None]]]
    description: str = ""


COMMUNITY_COLUMNS = ("week", "members", "joins", "leaves", "active", "messages", "conversions", "dau", "mau")


def _round(x: float) -> int:
    return max(0, math.floor(x + 0.5))


def _community_weeks(p: dict[str, Decimal], rng: random.Random) -> dict[str, list[int]]:
    growth, churn, noise = float(p["growth"]), float(p["churn"]), float(p["noise"])

    def jitter() -> float:
        return 1 + noise * rng.uniform(-1, 1)  # in [0.5, 1.5] for noise <= 0.5, never negative

    # The community's character, drawn once per seed: even without weekly noise, seeds differ.
    activity = rng.uniform(0.18, 0.42)  # weekly active / members
    reach = rng.uniform(1.35, 1.9)  # trailing-28-day active / weekly active
    daily = rng.uniform(0.22, 0.45)  # average daily active / weekly active
    talk = rng.uniform(2.5, 7.5)  # messages per weekly active member
    buy = rng.uniform(0.02, 0.09)  # first purchases / weekly active

    rows: dict[str, list[int]] = {name: [] for name in COMMUNITY_COLUMNS}
    members = int(p["start_members"])
    for week in range(1, int(p["weeks"]) + 1):
        joins = _round(members * growth * jitter())
        leaves = min(members, _round(members * churn * jitter()))
        members = members + joins - leaves
        active = min(members, _round(members * activity * jitter()))
        mau = min(members, max(active, _round(active * reach * jitter())))
        dau = min(active, _round(active * daily * jitter()))
        messages = max(active, _round(active * talk * jitter()))
        conversions = min(active, _round(active * buy * jitter()))
        row = (week, members, joins, leaves, active, messages, conversions, dau, mau)
        for name, value in zip(COMMUNITY_COLUMNS, row, strict=True):
            rows[name].append(value)
    return rows


COMMUNITY_V2_COLUMNS = (
    "week",
    "members",
    "joins",
    "leaves",
    "active",
    "messages",
    "dau",
    "mau",
    "buyers",
    "cohort_w1",
    "cohort_w2",
    "cohort_w3",
    "cohort_w4",
)
COHORT_WEEKS = 4
WARM_UP = 4  # hidden weeks before week 1, so week 1 already has a full 28-day window and four cohorts
# The benchmarks the module's lessons state (04-data-analysis): a brand member community.
WEEKLY_ACTIVE = (0.07, 0.13)  # weekly active ÷ members of members older than four weeks; ~10 % is good
NEWCOMER_CURVE = ((0.40, 0.55), (0.24, 0.34), (0.17, 0.25), (0.13, 0.20), (0.10, 0.16))  # active share by age
MAU_REACH = (1.7, 2.1)  # distinct 28-day active ÷ the mean weekly active of those four weeks
DAILY_SHARE = (0.24, 0.34)  # average daily active ÷ weekly active
STORIES = (("outage",), ("holiday",), ("outage", "holiday"))


@dataclass(frozen=True)
class _Week:
    joins: float = 1.0  # multipliers for that week
    activity: float = 1.0  # on weekly active
    messages: float = 1.0  # on messages per active member
    daily: float = 1.0  # on daily active per weekly active


def _stories(weeks: int, rng: random.Random) -> tuple[int, dict[int, _Week]]:
    """The planted stories: a campaign spike in joins, then one or two quiet weeks (bot outage, holiday)."""
    spike = rng.randint(3, weeks - 4)
    free = [w for w in range(5, weeks + 1) if w not in (spike, spike + 1)]
    chosen = rng.choice(STORIES)
    quiet = rng.sample(free, len(chosen))
    story = {spike: _Week(joins=rng.uniform(3.5, 5.0))}
    for kind, week in zip(chosen, quiet, strict=True):
        if kind == "outage":  # the check-in bot was down: check-ins, messages and daily visits fall
            story[week] = _Week(
                activity=rng.uniform(0.84, 0.9), messages=rng.uniform(0.5, 0.65), daily=rng.uniform(0.6, 0.7)
            )
        else:  # a public holiday week: fewer people around, each saying a little less, fewer joins
            story[week] = _Week(
                joins=0.7, activity=rng.uniform(0.72, 0.8), messages=rng.uniform(0.8, 0.88), daily=0.9
            )
    return spike, story


def _community_weeks_v2(p: dict[str, Decimal], rng: random.Random) -> dict[str, list[int | None]]:
    weeks, growth, churn, noise = int(p["weeks"]), float(p["growth"]), float(p["churn"]), float(p["noise"])

    def jitter() -> float:
        return 1 + noise * rng.uniform(-1, 1)

    activity = rng.uniform(*WEEKLY_ACTIVE)
    curve = [rng.uniform(*bounds) for bounds in NEWCOMER_CURVE]
    reach = rng.uniform(*MAU_REACH)
    daily = rng.uniform(*DAILY_SHARE)
    talk = rng.uniform(3.0, 6.0)  # messages per weekly active member
    buy = rng.uniform(0.02, 0.05)  # first orders ÷ weekly active members who have not bought yet
    campaign_quality = rng.uniform(0.45, 0.6)  # lottery joiners come back less
    spike, story = _stories(weeks, rng)

    members = int(p["start_members"])
    non_buyers = _round(members * rng.uniform(0.55, 0.75))
    cohorts: list[tuple[int, float]] = []  # (size, quality) by join week, warm-up weeks first
    history: list[int] = []
    rows: dict[str, list[int | None]] = {name: [] for name in COMMUNITY_V2_COLUMNS}
    cohort_active: list[list[int]] = []  # per join week: active count at age 0, 1, …
    for index in range(WARM_UP + weeks):
        week = index - WARM_UP + 1
        day = story.get(week, _Week())
        campaign = week == spike
        joins = _round(members * growth * day.joins * jitter())
        extra = 0
        if week in (spike + 1, spike + 2) and spike >= 1:
            surplus = cohorts[WARM_UP + spike - 1][0] - members * growth
            extra = _round(max(0.0, surplus) * rng.uniform(0.08, 0.15))
        leaves = min(members, _round(members * churn * jitter()) + extra)
        start = members
        members = members + joins - leaves
        cohorts.append((joins, campaign_quality if campaign else 1.0))
        cohort_active.append([])
        mood = day.activity * jitter()
        recent = 0
        newcomers_active = 0
        for age in range(min(index, COHORT_WEEKS) + 1):
            size, quality = cohorts[index - age]
            count = min(size, _round(size * curve[age] * quality * mood))
            cohort_active[index - age].append(count)
            recent += size
            newcomers_active += count
        veterans = max(0, start - (recent - joins))
        active = min(members, _round(veterans * activity * mood) + newcomers_active)
        history.append(active)
        window = history[-4:]
        mau = min(members, sum(window), max(active, _round(reach * sum(window) / len(window))))
        dau = min(active, _round(active * daily * day.daily * jitter()))
        messages = max(active, _round(active * talk * day.messages * jitter()))
        non_buyers = max(0, non_buyers - _round(leaves * non_buyers / max(start, 1))) + joins
        buyers = min(active, non_buyers, _round(active * buy * jitter()))
        non_buyers -= buyers
        if week < 1:
            continue
        row = (week, members, joins, leaves, active, messages, dau, mau, buyers)
        for name, value in zip(COMMUNITY_V2_COLUMNS, row, strict=False):
            rows[name].append(value)
    for week in range(1, weeks + 1):
        ages = cohort_active[WARM_UP + week - 1]
        for age in range(1, COHORT_WEEKS + 1):
            rows[f"cohort_w{age}"].append(ages[age] if age < len(ages) else None)
    return rows


WORKLOAD_COLUMNS = (
    "day",
    "shift",
    "shift_hours",
    "messages",
    "tickets",
    "sec_per_message",
    "min_per_ticket",
    "hourly_cost",
    "orders",
    "order_value",
)
# Share of a day's messages per shift (早 09–13, 中 13–18, 晚 18–23) and the weekday pattern (Mon … Sun).
_SHIFT_SHARE = (0.28, 0.34, 0.38)
_SHIFT_HOURS = (4, 5, 5)
_DAY_LOAD = (1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.2)
_WEEKEND_EVENING = 1.15


def _team_workload(p: dict[str, Decimal], rng: random.Random) -> dict[str, list[int]]:
    """One week of the operations team's queue: 7 days × 3 shifts, handling times and costs per seed."""
    communities, per_day = int(p["communities"]), float(p["messages_per_community"])
    noise = float(p["noise"])
    ticket_share = rng.uniform(0.04, 0.09)  # messages escalated to an after-sales ticket
    sec_per_message = rng.randint(60, 150)  # a reply that needs reading, looking up and typing
    min_per_ticket = rng.randint(6, 14)
    hourly_cost = rng.randint(38, 65)  # yuan per operator hour, wages plus social insurance
    order_value = rng.randint(80, 220)  # yuan per order attributed to the community
    buy_rate = rng.uniform(0.015, 0.04)  # orders per incoming message

    rows: dict[str, list[int]] = {name: [] for name in WORKLOAD_COLUMNS}
    for day in range(1, 8):
        for shift in range(1, 4):
            load = _DAY_LOAD[day - 1] * _SHIFT_SHARE[shift - 1]
            if day >= 6 and shift == 3:
                load *= _WEEKEND_EVENING
            expected = communities * per_day * load * (1 + noise * rng.uniform(-1, 1))
            messages = max(1, _round(expected))
            tickets = min(messages, _round(messages * ticket_share * (1 + noise * rng.uniform(-1, 1))))
            orders = min(messages, _round(messages * buy_rate * (1 + noise * rng.uniform(-1, 1))))
            row = (
                day,
                shift,
                _SHIFT_HOURS[shift - 1],
                messages,
                tickets,
                sec_per_message,
                min_per_ticket,
                hourly_cost,
                orders,
                order_value,
            )
            for name, value in zip(WORKLOAD_COLUMNS, row, strict=True):
                rows[name].append(value)
    return rows


def _int(name: str, low: int, high: int, default: int) -> Param:
    return Param(name, "int", Decimal(low), Decimal(high), Decimal(default))


def _dec(name: str, low: str, high: str, default: str) -> Param:
    return Param(name, "decimal", Decimal(low), Decimal(high), Decimal(default))


GENERATORS: dict[str, Generator] = {
    "community_weeks": Generator(
        name="community_weeks",
        columns=COMMUNITY_COLUMNS,
        params=(
            _int("weeks", 4, 52, 12),
            _int("start_members", 50, 1_000_000, 3000),
            _dec("growth", "0", "0.5", "0.03"),
            _dec("churn", "0", "0.5", "0.02"),
            _dec("noise", "0", "0.5", "0.1"),
            _int("seed_offset", 0, 1_000_000, 0),
        ),
        build=_community_weeks,
        description="weekly figures of one community: members, joins, leaves, activity, purchases",
    ),
    "community_weeks_v2": Generator(
        name="community_weeks_v2",
        columns=COMMUNITY_V2_COLUMNS,
        params=(
            _int("weeks", 10, 26, 12),
            _int("start_members", 200, 1_000_000, 3000),
            _dec("growth", "0", "0.1", "0.025"),
            _dec("churn", "0", "0.1", "0.012"),
            _dec("noise", "0", "0.2", "0.04"),
            _int("seed_offset", 0, 1_000_000, 0),
        ),
        build=_community_weeks_v2,
        description="weeks of a community with planted stories (campaign, bot outage, holiday) and cohorts",
    ),
    "team_workload": Generator(
        name="team_workload",
        columns=WORKLOAD_COLUMNS,
        params=(
            _int("communities", 1, 500, 20),
            _int("messages_per_community", 5, 500, 25),
            _dec("noise", "0", "0.5", "0.15"),
            _int("seed_offset", 0, 1_000_000, 0),
        ),
        build=_team_workload,
        description="a week of the team queue per day and shift: messages, tickets, handling times, costs",
    ),
}


def params_problems(generator: str, params: Mapping[str, str]) -> list[str]:
    """Every problem of a drill's ``params:`` for this generator; [] when they are fine."""
    spec = GENERATORS.get(generator)
    if spec is None:
        known = ", ".join(sorted(GENERATORS))
        return [
            Problem(
                _("unknown generator '%(generator)s' (known: %(known)s)"), generator=generator, known=known
            )
        ]
    by_name = {p.name: p for p in spec.params}
    found = []
    for name, raw in params.items():
        param = by_name.get(name)
        if param is None:
            known = ", ".join(by_name)
            found.append(
                Problem(
                    _("%(generator)s has no parameter '%(name)s' (its parameters are %(known)s)"),
                    generator=generator,
                    name=name,
                    known=known,
                )
            )
            continue
        value = _decimal(raw)
        if value is None:
            found.append(
                Problem(_("parameter '%(name)s' must be a number, not '%(raw)s'"), name=name, raw=raw)
            )
        elif param.kind == "int" and value != value.to_integral_value():
            found.append(
                Problem(_("parameter '%(name)s' must be a whole number, not '%(raw)s'"), name=name, raw=raw)
            )
        elif not param.min <= value <= param.max:
            found.append(
                Problem(
                    _("parameter '%(name)s' must be between %(low)s and %(high)s, not %(raw)s"),
                    name=name,
                    low=param.min,
                    high=param.max,
                    raw=raw,
                )
            )
    return found


def _decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def params_clean(generator: str, params: Mapping[str, str]) -> dict[str, Decimal]:
    """The generator's params as Decimals with defaults filled in; raises ValueError on any problem."""
    found = params_problems(generator, params)
    if found:
        raise ValueError("; ".join(found))
    cleaned = {p.name: p.default for p in GENERATORS[generator].params}
    for name, raw in params.items():
        value = _decimal(raw)
        if value is None:  # pragma: no cover - params_problems reports it first
            raise ValueError(f"parameter '{name}' must be a number")
        cleaned[name] = value
    return cleaned


def generate(generator: str, params: Mapping[str, str], seed: int) -> dict[str, list[int | None]]:
    """The table for one attempt: the generator's columns in order, deterministic in (params, seed)."""
    cleaned = params_clean(generator, params)
    spec = GENERATORS[generator]
    offset = int(cleaned.get("seed_offset", Decimal(0)))
    # Not for security: a reproducible exercise table, and the seed is stored with the attempt anyway.
    rng = random.Random(seed + offset)  # noqa: S311
    table = spec.build(cleaned, rng)
    return {name: table[name] for name in spec.columns}
