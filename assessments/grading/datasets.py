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
    build: Callable[[dict[str, Decimal], random.Random], dict[str, list[int]]]
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
}


def params_problems(generator: str, params: Mapping[str, str]) -> list[str]:
    """Every problem of a drill's ``params:`` for this generator; [] when they are fine."""
    spec = GENERATORS.get(generator)
    if spec is None:
        known = ", ".join(sorted(GENERATORS))
        return [f"unknown generator '{generator}' (known: {known})"]
    by_name = {p.name: p for p in spec.params}
    found = []
    for name, raw in params.items():
        param = by_name.get(name)
        if param is None:
            known = ", ".join(by_name)
            found.append(f"{generator} has no parameter '{name}' (its parameters are {known})")
            continue
        value = _decimal(raw)
        if value is None:
            found.append(f"parameter '{name}' must be a number, not '{raw}'")
        elif param.kind == "int" and value != value.to_integral_value():
            found.append(f"parameter '{name}' must be a whole number, not '{raw}'")
        elif not param.min <= value <= param.max:
            found.append(f"parameter '{name}' must be between {param.min} and {param.max}, not {raw}")
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


def generate(generator: str, params: Mapping[str, str], seed: int) -> dict[str, list[int]]:
    """The table for one attempt: the generator's columns in order, deterministic in (params, seed)."""
    cleaned = params_clean(generator, params)
    spec = GENERATORS[generator]
    offset = int(cleaned.get("seed_offset", Decimal(0)))
    # Not for security: a reproducible exercise table, and the seed is stored with the attempt anyway.
    rng = random.Random(seed + offset)  # noqa: S311
    table = spec.build(cleaned, rng)
    return {name: table[name] for name in spec.columns}
