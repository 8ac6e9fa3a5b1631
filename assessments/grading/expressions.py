"""The expression language of data drills: numbers, columns, ``+ - * /``, parentheses and fixed functions.

Content is never executed as Python: a tokenizer and a recursive-descent parser build a small tree, and
``evaluate`` walks it with Decimal arithmetic. A value is a column (a sequence of numbers) or a scalar;
arithmetic works on scalars only, and every function returns a scalar.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

MAX_SOURCE_LENGTH = 500
MAX_DEPTH = (
    40  # nested parentheses, calls and unary minus; keeps the recursive parser far from Python's limit
)
PRECISION = 40  # significant digits of every intermediate result
RESULT_DIGITS = 28  # significant digits of the result
MAX_ROUND_DIGITS = 6
SHOWN_DECIMALS = 6  # explain() shows longer fractions rounded to this many places

Column = tuple[Decimal | None, ...]  # None: an empty cell (e.g. a cohort week that has not happened yet)
Value = Decimal | Column


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; ``position`` is the 0-based offset, or -1."""

    def __init__(self, message: str, position: int = -1) -> None:
        super().__init__(message)
        self.position = position


# Tree ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    pos: int
    text: str
    value: Decimal


@dataclass(frozen=True)
class Name:
    pos: int
    name: str


@dataclass(frozen=True)
class Call:
    pos: int
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Neg:
    pos: int
    operand: Expr


@dataclass(frozen=True)
class BinOp:
    pos: int  # of the operator
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Group:
    pos: int
    inner: Expr


Expr = Num | Name | Call | Neg | BinOp | Group


# Functions: name -> the argument kinds of each accepted arity ("column" or "scalar").
SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "sum": (("column",), ("column", "scalar", "scalar")),
    "mean": (("column",), ("column", "scalar", "scalar")),
    "min": (("column",),),
    "max": (("column",),),
    "count": (("column",),),
    "first": (("column",),),
    "last": (("column",),),
    "at": (("column", "scalar"),),
    "argmax": (("column",),),
    "argmin": (("column",),),
    "round": (("scalar",), ("scalar", "scalar")),
    "abs": (("scalar",),),
    "ceil": (("scalar",),),
    "alerts": (("column", "scalar", "scalar"),),
}
FUNCTIONS: frozenset[str] = frozenset(SIGNATURES)
USAGE = {
    "sum": "sum(column) or sum(column, from_row, to_row)",
    "mean": "mean(column) or mean(column, from_row, to_row)",
    "at": "at(column, row)",
    "round": "round(x, digits)",
    "abs": "abs(x)",
    "ceil": "ceil(x)",
    "alerts": "alerts(column, weeks, ratio)",
}


def _usage(name: str) -> str:
    return USAGE.get(name, f"{name}(column)")


# Tokenizer and parser -----------------------------------------------------------------------------------

_SPACE = " \t\r\n"
_SYMBOLS = "+-*/(),"


@dataclass(frozen=True)
class _Token:
    kind: str  # "num" | "name" | one of _SYMBOLS | "end"
    text: str
    pos: int


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_letter(ch: str) -> bool:
    return "a" <= ch <= "z" or "A" <= ch <= "Z"


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _SPACE:
            i += 1
        elif _is_digit(ch) or (ch == "." and i + 1 < n and _is_digit(source[i + 1])):
            start = i
            while i < n and _is_digit(source[i]):
                i += 1
            if i < n and source[i] == ".":
                i += 1
                if not (i < n and _is_digit(source[i])):
                    raise ExpressionError("a number needs digits after its '.'", i - 1)
                while i < n and _is_digit(source[i]):
                    i += 1
            if i < n and (_is_letter(source[i]) or source[i] in "._"):
                raise ExpressionError(f"unexpected {source[i]!r} after the number", i)
            tokens.append(_Token("num", source[start:i], start))
        elif _is_letter(ch):
            start = i
            while i < n and (_is_letter(source[i]) or _is_digit(source[i]) or source[i] == "_"):
                i += 1
            tokens.append(_Token("name", source[start:i], start))
        elif ch in _SYMBOLS:
            if ch == "*" and source.startswith("**", i):
                raise ExpressionError("'**' is not part of the language: there are no powers", i)
            tokens.append(_Token(ch, ch, i))
            i += 1
        else:
            raise ExpressionError(f"unexpected character {ch!r}", i)
    tokens.append(_Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.at = 0
        self.depth = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        token = self.peek
        if token.kind != kind:
            raise ExpressionError(f"expected {what}, found {_describe(token)}", token.pos)
        return self.take()

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep", pos)

    def parse(self) -> Expr:
        if self.peek.kind == "end":
            raise ExpressionError("the expression is empty", 0)
        tree = self.sum()
        if self.peek.kind != "end":
            raise ExpressionError(f"expected an operator, found {_describe(self.peek)}", self.peek.pos)
        return tree

    def sum(self) -> Expr:
        left = self.product()
        while self.peek.kind in ("+", "-"):
            op = self.take()
            left = BinOp(op.pos, op.kind, left, self.product())
        return left

    def product(self) -> Expr:
        left = self.unary()
        while self.peek.kind in ("*", "/"):
            op = self.take()
            left = BinOp(op.pos, op.kind, left, self.unary())
        return left

    def unary(self) -> Expr:
        if self.peek.kind != "-":
            return self.primary()
        op = self.take()
        self.nest(op.pos)
        operand = self.unary()
        self.depth -= 1
        return Neg(op.pos, operand)

    def primary(self) -> Expr:
        token = self.take()
        if token.kind == "num":
            return Num(token.pos, token.text, Decimal(token.text))
        if token.kind == "name":
            if self.peek.kind != "(":
                return Name(token.pos, token.text)
            self.nest(token.pos)
            self.take()
            args: list[Expr] = []
            if self.peek.kind != ")":
                args.append(self.sum())
                while self.peek.kind == ",":
                    self.take()
                    args.append(self.sum())
            self.expect(")", f"',' or ')' in the call of {token.text}()")
            self.depth -= 1
            return Call(token.pos, token.text, tuple(args))
        if token.kind == "(":
            self.nest(token.pos)
            inner = self.sum()
            self.expect(")", "')'")
            self.depth -= 1
            return Group(token.pos, inner)
        raise ExpressionError(
            f"expected a number, a column or a function, found {_describe(token)}", token.pos
        )


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    return f"{token.text!r}"


def parse(source: str) -> Expr:
    """The tree of an expression; raises ExpressionError on anything outside the grammar."""
    if not isinstance(source, str):
        raise ExpressionError("the expression must be text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(
            f"the expression is longer than {MAX_SOURCE_LENGTH} characters", MAX_SOURCE_LENGTH
        )
    return _Parser(source).parse()


def _walk(node: Expr) -> Iterator[Expr]:
    yield node
    if isinstance(node, Call):
        for arg in node.args:
            yield from _walk(arg)
    elif isinstance(node, Neg):
        yield from _walk(node.operand)
    elif isinstance(node, BinOp):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, Group):
        yield from _walk(node.inner)


def names(source: str) -> tuple[set[str], set[str]]:
    """The column names and the function names an expression uses."""
    nodes = list(_walk(parse(source)))
    columns = {n.name for n in nodes if isinstance(n, Name)}
    functions = {n.name for n in nodes if isinstance(n, Call)}
    return columns, functions


# Static checks --------------------------------------------------------------------------------------------


def _kind(node: Expr) -> str:
    inner = node
    while isinstance(inner, Group):
        inner = inner.inner
    return "column" if isinstance(inner, Name) else "scalar"


def _literal(node: Expr) -> Decimal | None:
    """The value of a constant argument (a number, maybe negated or in parentheses), else None."""
    if isinstance(node, Group):
        return _literal(node.inner)
    if isinstance(node, Neg):
        value = _literal(node.operand)
        return None if value is None else -value
    return node.value if isinstance(node, Num) else None


def _column_hint(name: str) -> str:
    return f"'{name}' is a column: use last({name}), at({name}, 4), sum({name})…"


def _static_problems(node: Expr, columns: Collection[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for n in _walk(node):
        if isinstance(n, Name) and n.name not in columns:
            if n.name in FUNCTIONS:
                found.append((n.pos, f"'{n.name}' is a function: call it like {_usage(n.name)}"))
            else:
                known = ", ".join(sorted(columns)) or "none"
                found.append((n.pos, f"unknown column '{n.name}' (the columns are {known})"))
        elif isinstance(n, BinOp | Neg):
            operands = (n.left, n.right) if isinstance(n, BinOp) else (n.operand,)
            for operand in operands:
                if _kind(operand) == "column":
                    found.append((n.pos, _column_hint(_column_name(operand))))
        elif isinstance(n, Call):
            found.extend(_call_problems(n))
    return found


def _column_name(node: Expr) -> str:
    while isinstance(node, Group):
        node = node.inner
    return node.name if isinstance(node, Name) else "?"


def _call_problems(call: Call) -> list[tuple[int, str]]:
    if call.name not in SIGNATURES:
        known = ", ".join(sorted(FUNCTIONS))
        return [(call.pos, f"unknown function '{call.name}' (the functions are {known})")]
    kinds = tuple(_kind(arg) for arg in call.args)
    accepted = SIGNATURES[call.name]
    if kinds in accepted:
        return _constant_problems(call)
    if len(call.args) not in {len(a) for a in accepted}:
        return [(call.pos, f"{call.name}() takes {_arities(accepted)}: write {_usage(call.name)}")]
    signature = next(a for a in accepted if len(a) == len(call.args))
    problems = []
    for k, (arg, want) in enumerate(zip(call.args, signature, strict=True), start=1):
        if _kind(arg) != want:
            if want == "column":
                message = f"{call.name}() needs a column as argument {k}: write {_usage(call.name)}"
            else:
                hint = _column_hint(_column_name(arg))
                message = f"argument {k} of {call.name}() must be a number, not a column: {hint}"
            problems.append((call.pos, message))
    return problems


def _arities(accepted: tuple[tuple[str, ...], ...]) -> str:
    counts = sorted({len(a) for a in accepted})
    words = " or ".join(str(c) for c in counts)
    return f"{words} argument{'s' if counts[-1] != 1 else ''}"


def _constant_problems(call: Call) -> list[tuple[int, str]]:
    """Constant row numbers and digits that can never work; computed ones are checked when evaluated."""
    problems = []
    rows = (
        call.args[1:]
        if call.name in ("at", "sum", "mean")
        else call.args[1:2]
        if call.name == "alerts"
        else ()
    )
    for arg in rows:
        value = _literal(arg)
        if value is not None and (value != value.to_integral_value() or value < 1):
            problems.append((arg.pos, f"{call.name}(): a row number is a whole number from 1, not {value}"))
    if call.name in ("sum", "mean") and len(call.args) == 3:
        low, high = _literal(call.args[1]), _literal(call.args[2])
        if low is not None and high is not None and low > high:
            problems.append((call.pos, f"{call.name}(): the range starts at row {low}, after row {high}"))
    if call.name == "round" and len(call.args) == 2:
        digits = _literal(call.args[1])
        if digits is not None and not _valid_digits(digits):
            problems.append((call.args[1].pos, _digits_message(digits)))
    return problems


def _valid_digits(digits: Decimal) -> bool:
    return digits == digits.to_integral_value() and 0 <= digits <= MAX_ROUND_DIGITS


def _digits_message(digits: Decimal) -> str:
    return f"round(): digits must be a whole number from 0 to {MAX_ROUND_DIGITS}, not {digits}"


def problems(source: str, columns: Collection[str]) -> list[str]:
    """Every problem of an expression against these columns, each naming its character; [] when fine."""
    try:
        tree = parse(source)
    except ExpressionError as exc:
        return [_at(str(exc), exc.position)]
    found = _static_problems(tree, set(columns))
    if not found and _kind(tree) == "column":
        found.append((tree.pos, f"the result is a column, not a number: {_column_hint(_column_name(tree))}"))
    return [_at(message, pos) for pos, message in found]


def _at(message: str, position: int) -> str:
    return message if position < 0 else f"{message} (at character {position + 1})"


# Evaluation -----------------------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, table: Mapping[str, Sequence[int | Decimal]]) -> None:
        self.table = table
        self.columns: dict[str, Column] = {}

    def column(self, node: Name) -> Column:
        if node.name not in self.columns:
            if node.name not in self.table:
                if node.name in FUNCTIONS:
                    raise ExpressionError(
                        f"'{node.name}' is a function: call it like {_usage(node.name)}", node.pos
                    )
                known = ", ".join(sorted(self.table)) or "none"
                raise ExpressionError(f"unknown column '{node.name}' (the columns are {known})", node.pos)
            self.columns[node.name] = tuple(
                None if v is None else _number(v, node) for v in self.table[node.name]
            )
        return self.columns[node.name]

    def value(self, node: Expr) -> Value:
        if isinstance(node, Group):
            return self.value(node.inner)
        if isinstance(node, Name):
            return self.column(node)
        return self.scalar(node)

    def scalar(self, node: Expr) -> Decimal:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Group):
            return self.scalar(node.inner)
        if isinstance(node, Name):
            raise ExpressionError(_column_hint(node.name), node.pos)
        if isinstance(node, Neg):
            return _zero_sign(-self.operand(node, node.operand))
        if isinstance(node, BinOp):
            left, right = self.operand(node, node.left), self.operand(node, node.right)
            if node.op == "+":
                return left + right
            if node.op == "-":
                return left - right
            if node.op == "*":
                return left * right
            if right == 0:
                raise ExpressionError("division by zero", node.pos)
            return left / right
        return self.call(node)

    def operand(self, parent: BinOp | Neg, node: Expr) -> Decimal:
        if _kind(node) == "column":
            self.value(node)  # an unknown name is reported as such, not as a column in arithmetic
            raise ExpressionError(_column_hint(_column_name(node)), parent.pos)
        return self.scalar(node)

    def call(self, call: Call) -> Decimal:
        problems = _call_problems(call)
        if problems:
            pos, message = problems[0]
            raise ExpressionError(message, pos)
        args = [self.value(arg) for arg in call.args]
        if call.name == "round":
            digits = args[1] if len(args) == 2 else Decimal(0)
            if not _valid_digits(digits):
                raise ExpressionError(_digits_message(digits), call.pos)
            return _round(args[0], int(digits), call)
        if call.name == "abs":
            return abs(args[0])
        if call.name == "ceil":
            assert isinstance(args[0], Decimal)
            return _zero_sign(args[0].to_integral_value(rounding=ROUND_CEILING))
        column = args[0]
        assert isinstance(column, tuple)
        name = _column_name(call.args[0])
        if call.name == "count":
            return Decimal(len(column))
        if call.name == "at":
            row = self.row(call, args[1], len(column))
            cell = column[row - 1]
            if cell is None:
                raise ExpressionError(f"at(): row {row} of '{name}' is empty", call.pos)
            return cell
        if call.name == "alerts":
            return self.alerts(call, _filled(call, name, column), args[1], args[2])
        if call.name in ("sum", "mean") and len(args) == 3:
            low, high = self.row(call, args[1], len(column)), self.row(call, args[2], len(column))
            if low > high:
                raise ExpressionError(
                    f"{call.name}(): the range starts at row {low}, after row {high}", call.pos
                )
            column = column[low - 1 : high]
        numbers = _filled(call, name, column)
        if call.name == "sum":
            return sum(numbers, Decimal(0))
        if not column:
            raise ExpressionError(f"{call.name}(): the column '{name}' has no rows", call.pos)
        if call.name == "mean":
            return sum(numbers, Decimal(0)) / len(numbers)
        if call.name in ("min", "max"):
            return min(numbers) if call.name == "min" else max(numbers)
        if call.name in ("argmin", "argmax"):
            target = min(numbers) if call.name == "argmin" else max(numbers)
            return Decimal(numbers.index(target) + 1)
        return numbers[0] if call.name == "first" else numbers[-1]

    def alerts(self, call: Call, column: tuple[Decimal, ...], window: Value, ratio: Value) -> Decimal:
        """Rows after the first ``window`` whose value is below ``ratio`` × the mean of the rows before."""
        assert isinstance(window, Decimal)
        assert isinstance(ratio, Decimal)
        weeks = self.row(call, window, len(column))
        if ratio <= 0:
            raise ExpressionError(f"alerts(): the ratio must be above 0, not {ratio}", call.pos)
        found = 0
        for k in range(weeks, len(column)):
            if column[k] < ratio * sum(column[k - weeks : k], Decimal(0)) / weeks:
                found += 1
        return Decimal(found)

    def row(self, call: Call, value: Value, rows: int) -> int:
        assert isinstance(value, Decimal)
        if value != value.to_integral_value():
            raise ExpressionError(f"{call.name}(): a row number is a whole number, not {value}", call.pos)
        row = int(value)
        if not 1 <= row <= rows:
            raise ExpressionError(f"{call.name}(): row {row} is out of range (rows 1–{rows})", call.pos)
        return row


def _filled(call: Call, name: str, column: Column) -> tuple[Decimal, ...]:
    """The column's cells, or an error naming the first empty one (aggregates never skip cells silently)."""
    for row, cell in enumerate(column, start=1):
        if cell is None:
            raise ExpressionError(
                f"{call.name}(): row {row} of '{name}' is empty; use at() or a row range without empty cells",
                call.pos,
            )
    return tuple(c for c in column if c is not None)


def _number(value: object, node: Name) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ExpressionError(f"column '{node.name}' holds {value!r}, which is not a number", node.pos)
    number = Decimal(value)
    if not number.is_finite():
        raise ExpressionError(f"column '{node.name}' holds {value!r}, which is not a number", node.pos)
    return number


def _zero_sign(value: Decimal) -> Decimal:
    return value.copy_abs() if value == 0 else value


def _round(value: Decimal, digits: int, call: Call) -> Decimal:
    try:
        return _zero_sign(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise ExpressionError("round(): the number is too large to round", call.pos) from None


def _context() -> AbstractContextManager[Context]:
    context = Context(
        prec=PRECISION, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
    )
    return localcontext(context)


def _run(tree: Expr, table: Mapping[str, Sequence[int | Decimal]]) -> tuple[Decimal, _Evaluator]:
    evaluator = _Evaluator(table)
    with _context():
        try:
            if _kind(tree) == "column":
                evaluator.value(tree)
                raise ExpressionError(
                    f"the result is a column, not a number: {_column_hint(_column_name(tree))}", tree.pos
                )
            result = _zero_sign(
                Context(prec=RESULT_DIGITS, rounding=ROUND_HALF_UP).plus(evaluator.scalar(tree))
            )
        except ArithmeticError:
            raise ExpressionError("a number in the calculation grew too large", -1) from None
    return result, evaluator


def evaluate(source: str, table: Mapping[str, Sequence[int | Decimal]]) -> Decimal:
    """The value of an expression on a table of columns; raises ExpressionError."""
    return _run(parse(source), table)[0]


# Explanation ----------------------------------------------------------------------------------------------


def _render(node: Expr, substitute: _Evaluator | None = None) -> str:
    """Source text of a tree; with an evaluator, calls on columns are replaced by their values."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Group):
        return f"({_render(node.inner, substitute)})"
    if isinstance(node, Neg):
        return f"-{_render(node.operand, substitute)}"
    if isinstance(node, BinOp):
        return f"{_render(node.left, substitute)} {node.op} {_render(node.right, substitute)}"
    if substitute is not None and any(_kind(arg) == "column" for arg in node.args):
        return _show(substitute.scalar(node))
    return f"{node.name}({', '.join(_render(arg, substitute) for arg in node.args)})"


def _show(value: Decimal) -> str:
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)) if value.as_tuple().exponent < 0 else value, "f")
    if -value.as_tuple().exponent > SHOWN_DECIMALS:
        return format(
            value.quantize(Decimal(1).scaleb(-SHOWN_DECIMALS), rounding=ROUND_HALF_UP).normalize(), "f"
        )
    return format(value, "f")


def explain(source: str, table: Mapping[str, Sequence[int | Decimal]]) -> str:
    """The calculation written out: expression, the same with column values filled in, then the result."""
    tree = parse(source)
    result, evaluator = _run(tree, table)
    with _context():
        written, filled = _render(tree), _render(tree, evaluator)
    exponent = result.as_tuple().exponent
    rounded = isinstance(exponent, int) and -exponent > SHOWN_DECIMALS
    shown = _show(result) if rounded else format(result, "f")
    steps = [written] + ([filled] if filled not in (written, shown) else [])
    return f"{' = '.join(steps)} {'≈' if rounded else '='} {shown}"
