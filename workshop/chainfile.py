"""The goal chain file: read YAML or JSON, check it, and write it in one canonical form.

Teams keep the file in git, so writing is deterministic (fixed key order, goals sorted)
and reading reports every problem at once, each naming the goal and the field.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from os import PathLike
from typing import Any

import jsonschema
import yaml

from workshop.domain.chain import (
    FORMAT_VERSION,
    Chain,
    Goal,
    Metric,
    Problem,
    children,
    from_dict,
    goals_by_id,
    lost_parents,
    ordered_goals,
    ordered_ids,
    smart_advice,
    to_document,
    validate,
)
from workshop.domain.errors import InvalidInput
from workshop.domain.text import day_words, kind, one_line, shown, size_words

MAX_BYTES = 5 * 1024 * 1024
MAX_GOALS = 500  # a product's whole chain fits many times over; each goal costs checking
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class ChainFileError(InvalidInput):
    """A goal chain that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        problems = [one_line(problem) for problem in problems]  # whatever a value held
        super().__init__("\n".join(problems))
        self.problems = problems


class ChainTooLarge(ChainFileError):
    """Over a size or goal-count limit: over HTTP, 413 (still `invalid_input`)."""

    status = 413


_INT_TAG, _FLOAT_TAG, _BOOL_TAG = (f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool"))
# Numbers as the YAML 1.2 core schema writes them (1e3, 0o17), which PyYAML (YAML 1.1) reads
# as text; 1.1's own forms that 1.2 reads as text (010 as 8, 1:30 as 90, 0b11, 1_000) are
# left out: a number is read the way a YAML 1.2 reader reads it.
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NUMBER_START = list("-+0123456789.")
# YAML 1.1 also reads y and n as booleans (PyYAML does not): written quoted for such readers.
_BOOL_11 = re.compile(r"^(?:y|Y|n|N)$")


def _without(resolvers: dict, tags: tuple[str, ...]) -> dict:
    """The resolvers but those of `tags`: dates stay the text the author wrote (PyYAML would
    make date objects of them), and numbers are read as YAML 1.2 reads them."""
    return {first: [r for r in rs if r[0] not in tags] for first, rs in resolvers.items()}


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    return int(text[2:] if base != 10 else text, base)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    return float(text.replace(".inf", "inf").replace(".nan", "nan"))


class _TooManyGoals(Exception):
    """Raised while reading, at the first goal past MAX_GOALS: the rest is never parsed."""


class _Loader(yaml.SafeLoader):
    """yaml.safe_load's loader, stricter: dates stay text, duplicate keys and aliases refused,
    and a file of too many goals refused as soon as the goal past the limit is reached."""

    yaml_implicit_resolvers = _without(
        yaml.SafeLoader.yaml_implicit_resolvers, (_TIMESTAMP_TAG, _INT_TAG, _FLOAT_TAG)
    )

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[Any] = []  # the key (a node) or the index of each node being read

    def compose_node(self, parent: Any, index: Any) -> Any:
        # An alias lets a small file expand into a huge document ("billion laughs").
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        # An anchor is only there to be referred to; refused too, so it is never mistaken
        # for text ("vision: &v {...}" read as if it were not there).
        if getattr(self.peek_event(), "anchor", None) is not None:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "anchors (&name) are not allowed", mark)
        self._path.append(index)
        try:
            if self._is_goal_past_limit():
                raise _TooManyGoals()
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def _is_goal_past_limit(self) -> bool:
        # [the document, the key 'goals', the goal's index]: reading 25,000 goals to refuse
        # them took seconds and hundreds of megabytes.
        if len(self._path) != 3 or not isinstance(self._path[2], int):
            return False
        key = self._path[1]
        return (
            isinstance(key, yaml.ScalarNode)
            and key.value == "goals"
            and key.tag.endswith(":str")
            and self._path[2] >= MAX_GOALS
        )

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        # PyYAML silently keeps the last of two equal keys; two visions must be reported.
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # "<<: {owner: x}" copies keys in unseen
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    problem = f"duplicate key {shown(key_node.value)}"
                    raise yaml.constructor.ConstructorError(
                        None, None, problem, key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep)


_Loader.add_implicit_resolver(_INT_TAG, _INT_12, _NUMBER_START)
_Loader.add_implicit_resolver(_FLOAT_TAG, _FLOAT_12, _NUMBER_START)
_Loader.add_constructor(_INT_TAG, _construct_int)
_Loader.add_constructor(_FLOAT_TAG, _construct_float)


class _Dumper(yaml.SafeDumper):
    """Canonical YAML: indented lists, multi-line text as blocks, never anchors. Dates are
    quoted (`due: '2027-06-30'`): every other YAML library reads a bare one as a date, not
    the text the schema asks for."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class _FlowMap(dict):
    """A mapping written on one line, like the vision in the skeleton."""


class _FlowList(list):
    """A short list written on one line, like parents: [U1, B2]."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML writes the other line breaks raw into quoted or block text and reads them back
    # as a newline or a space; escaped in double quotes they survive.
    if any(ch in value for ch in "\r\x85\u2028\u2029"):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


# Text that a YAML 1.1 or 1.2 reader takes for something else is written quoted: PyYAML
# knows 1.1's forms; these are the rest (1e3, 0o17, +.5, y).
_Dumper.add_implicit_resolver(_INT_TAG, _INT_12, _NUMBER_START)
_Dumper.add_implicit_resolver(_FLOAT_TAG, _FLOAT_12, _NUMBER_START)
_Dumper.add_implicit_resolver(_BOOL_TAG, _BOOL_11, list("yYnN"))
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _FlowMap, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


# Reading


def load(path: str | PathLike[str]) -> Chain:
    """Read and check a goal chain file; every problem line starts with the file's name."""
    source = str(path)
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ChainFileError([f"{source}: cannot read: {error.strerror or error}"]) from None
    if len(data) > MAX_BYTES:
        raise _too_large(source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ChainFileError([f"{source}:{line}: not UTF-8 text"]) from None
    return loads(text, source)


def loads(text: str, source: str = "<input>") -> Chain:
    """Read a goal chain from YAML, or from JSON when the text starts with '{'."""
    check_size(text, source)
    try:
        if text.lstrip().startswith("{"):
            doc = _parse_json(text, source)
        else:
            doc = yaml.load(text, Loader=_Loader)  # safe: _Loader is a yaml.SafeLoader
    except yaml.YAMLError as error:
        raise ChainFileError([_yaml_error(error, text, source)]) from None
    except RecursionError:
        raise ChainFileError([f"{source}: nested too deeply to be a goal chain"]) from None
    except _TooManyGoals:
        raise _too_many_goals(source, f"more than {MAX_GOALS}") from None
    return from_document(doc, source)


def read_document(chain: str | Mapping[str, Any], source: str) -> dict[str, Any]:
    """A chain file's text, or a parsed document, checked and in canonical document form."""
    read = loads(chain, source) if isinstance(chain, str) else from_document(chain, source)
    return to_document(read)


def _too_large(source: str, limit: int = MAX_BYTES) -> ChainFileError:
    size = size_words(limit)
    return ChainTooLarge([f"{source}: larger than {size}, the most a goal chain file may be"])


def _too_many_goals(source: str, count: str) -> ChainFileError:
    return ChainTooLarge([f"{source}: {count} goals: a goal chain holds at most {MAX_GOALS}"])


def check_size(text: str, source: str, limit: int = MAX_BYTES) -> None:
    """Refuse text over `limit` bytes of UTF-8 before any parsing starts."""
    if len(text.encode("utf-8", "replace")) > limit:
        raise _too_large(source, limit)


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ChainFileError([f"{source}:{error.lineno}: malformed JSON: {error.msg}"]) from None
    except DuplicateKey as error:
        # JSON is YAML: the YAML loader refuses the same key with the line it stands on.
        try:
            yaml.load(text, Loader=_Loader)  # safe: _Loader is a yaml.SafeLoader
        except yaml.YAMLError as located:
            message = _yaml_error(located, text, source).replace("malformed YAML", "malformed JSON")
            raise ChainFileError([message]) from None
        raise ChainFileError([f"{source}: {error}"]) from None
    except ValueError as error:  # NaN or Infinity, which the parser names without a place
        line = _constant_line(text)
        raise ChainFileError([f"{source}{line}: malformed JSON: {error}"]) from None


# A JSON string (skipped, whatever it holds), or one of the constants JSON does not allow.
_JSON_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _constant_line(text: str) -> str:
    """':3', the line of the first NaN or Infinity outside a string; '' if none is found."""
    for found in _JSON_CONSTANT.finditer(text):
        if found.group(1):
            return f":{text.count(chr(10), 0, found.start()) + 1}"
    return ""


class DuplicateKey(ValueError):
    """A key given twice in one JSON object; the parser's hook cannot say where."""

    def __init__(self, key: str) -> None:
        super().__init__(f"malformed JSON: duplicate key {shown(key)}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _yaml_error(error: yaml.YAMLError, text: str, source: str) -> str:
    """One line naming the line of the mistake, without PyYAML's multi-line excerpt."""
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        return f"{source}:{line}: malformed YAML: character #x{error.character:04x} not allowed"
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f":{mark.line + 1}" if mark else ""
    problem, context = getattr(error, "problem", None), getattr(error, "context", None)
    started = getattr(error, "context_mark", None)
    if problem and context and started and mark and started.line != mark.line:
        # A quote, a bracket or a token left open is reported where the text ends; its
        # start is where to look ("while scanning a quoted scalar" on line 6).
        opened = isinstance(error, yaml.scanner.ScannerError) or "stream" in problem
        if opened:
            return (
                f"{source}:{started.line + 1}: malformed YAML: {context},"
                f" {problem} on line {mark.line + 1}"
            )
        return f"{source}{where}: malformed YAML: {problem} ({context} on line {started.line + 1})"
    return f"{source}{where}: malformed YAML: {problem or error}"


def from_document(doc: Mapping[str, Any], source: str = "<input>") -> Chain:
    """Check a parsed goal chain document (the HTTP API receives one as JSON) and build it."""
    if not isinstance(doc, Mapping):
        found = "nothing" if doc is None else shown(doc)
        problem = (
            f"not a goal chain: expected a mapping with goalchain, vision and goals, found {found}"
        )
        raise ChainFileError([f"{source}: {problem}"])
    doc = dict(doc)
    goals = doc.get("goals")
    if isinstance(goals, list) and len(goals) > MAX_GOALS:
        raise _too_many_goals(source, str(len(goals)))
    _refuse(source, _version_problems(doc) or _problems(doc))
    return from_dict(doc)


def _refuse(source: str, problems: list[Problem]) -> None:
    if problems:
        raise ChainFileError([f"{source}: {problem}" for problem in problems])


def _version_problems(doc: dict[str, Any]) -> list[Problem]:
    version = doc.get("goalchain")
    if version is None:
        message = f"no format version: a goal chain file starts with 'goalchain: {FORMAT_VERSION}'"
    elif type(version) is not int or version != FORMAT_VERSION:
        message = f"unknown format version {shown(version)}: this Workshop reads {FORMAT_VERSION}"
    else:
        return []
    return [Problem(None, "goalchain", message)]


@functools.cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the goal chain file."""
    text = (resources.files("workshop.schema") / "goalchain.schema.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


# Schema errors that still leave a chain to check the rules on (a word out of its set, an
# unknown field); a wrong type or a missing field does not.
_READABLE_DESPITE = frozenset({"enum", "const", "pattern", "minLength", "additionalProperties"})


def _readable_despite(error: jsonschema.ValidationError) -> bool:
    text_expected = error.validator in ("enum", "const")
    return error.validator in _READABLE_DESPITE and (
        not text_expected or isinstance(error.instance, str)
    )


def _problems(doc: dict[str, Any]) -> list[Problem]:
    """The schema's problems and, where the goals can still be read, the rules' as well, so
    that one run names everything to fix; a field the schema named is not named again."""
    errors = list(_validator().iter_errors(doc))
    problems = [problem for error in errors for problem in _explain(error, doc)]
    if all(_readable_despite(error) for error in errors):
        named = {(problem.goal_id, problem.field) for problem in problems}
        problems += [p for p in validate(from_dict(doc)) if (p.goal_id, p.field) not in named]
    return list(dict.fromkeys(problems))  # `required` repeats itself for each missing field


def _explain(error: jsonschema.ValidationError, doc: dict[str, Any]) -> list[Problem]:
    """Turn a schema error into problems that name the goal and the field."""
    goal_id, field = _locate(doc, list(error.absolute_path))
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        unknown = [key for key in error.instance if key not in allowed]
        return [Problem(goal_id, field, _unknown_field(key, allowed)) for key in unknown]
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        return [Problem(goal_id, field, f"missing field {shown(key)}") for key in missing]
    return [Problem(goal_id, field, _schema_message(error))]


def _locate(doc: dict[str, Any], path: list[Any]) -> tuple[str | None, str | None]:
    """The goal (or vision) a schema error is in, and the path of the field within it."""
    if len(path) >= 2 and path[0] == "goals" and isinstance(path[1], int):
        return _label(doc["goals"][path[1]], f"#{path[1] + 1}"), _dotted(path[2:])
    vision_id = _label(doc.get("vision"), None)
    if len(path) >= 2 and path[0] == "vision" and vision_id:
        return vision_id, _dotted(path[1:])
    return None, _dotted(path)


def _label(item: Any, fallback: str | None) -> str | None:
    """A goal's id for messages, or its place in the list when it has no usable id."""
    goal_id = item.get("id") if isinstance(item, Mapping) else None
    return goal_id if isinstance(goal_id, str) and goal_id.strip() else fallback


def _dotted(path: list[Any]) -> str | None:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return text.lstrip(".") or None


def _unknown_field(key: Any, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1) if isinstance(key, str) else []
    return f"unknown field {shown(key)}" + (f" (did you mean {shown(close[0])}?)" if close else "")


_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
}


def _schema_message(error: jsonschema.ValidationError) -> str:
    value = error.instance
    if error.validator == "type":
        types = [error.validator_value] if isinstance(error.validator_value, str) else []
        names = [_TYPE_NAMES[t] for t in types or error.validator_value if t != "null"]
        # YAML reads unquoted yes, 2027 or 1.0 as a boolean or a number.
        # A list or a mapping is named by its kind: "not a list holding an object" says less.
        container = isinstance(value, Mapping | list)
        hint = " (put it in quotes)" if names == ["text"] and not container else ""
        return (
            f"must be {' or '.join(names)}, not {kind(value) if container else shown(value)}{hint}"
        )
    if error.validator == "enum":
        field = error.path[-1] if error.path and isinstance(error.path[-1], str) else "value"
        choices = ", ".join(map(str, error.validator_value))
        return f"unknown {field} {shown(value)}: one of {choices}"
    if error.validator == "minLength":
        return "must not be empty"
    if error.validator == "pattern" and "description" in error.schema:
        return f"{shown(value)} is not {error.schema['description']}"
    return error.message


# Writing


def dumps(chain: Chain) -> str:
    """The chain as canonical YAML: loading and writing it again changes nothing."""
    doc = to_document(chain)
    if set(doc.get("vision", ())) == {"id", "statement"}:
        doc["vision"] = _FlowMap(doc["vision"])
    for goal in doc.get("goals", []):
        if "parents" in goal:
            goal["parents"] = _FlowList(goal["parents"])
        for metric in goal.get("metrics", []):
            if "readings" in metric:
                metric["readings"] = [_FlowMap(reading) for reading in metric["readings"]]
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=float("inf"))


def dumps_json(chain: Chain) -> str:
    """The chain as canonical JSON."""
    return json.dumps(to_document(chain), indent=2, ensure_ascii=False) + "\n"


# Checking files


def check_files(paths: Iterable[str | PathLike[str]]) -> list[str]:
    """One line per problem in the files: "FILE: goal ID, field: message"."""
    lines: list[str] = []
    for path in paths:
        try:
            load(path)
        except ChainFileError as error:
            lines += error.problems
    return lines


def advise_files(paths: Iterable[str | PathLike[str]]) -> list[str]:
    """SMART advice for the goals of the valid files among `paths`: never an error."""
    lines: list[str] = []
    for path in paths:
        try:
            chain = load(path)
        except ChainFileError:
            continue
        for goal in ordered_goals(chain):
            lines += [f"{path}: goal {goal.id}: advice: {tip}" for tip in smart_advice(goal)]
        goals, lost = goals_by_id(chain), lost_parents(chain)
        for goal, parent in lost:
            orphan = all((goal, other) in lost for other in goal.parents)
            mend = "give it a parent in force, or retire it too" if orphan else "drop it"
            lines.append(
                f"{path}: goal {goal.id}: advice: it serves {parent}, which is"
                f" {goals[parent].status}: {mend}"
            )
    return lines


# Rendering


def render_markdown(chain: Chain) -> str:
    """The chain as a nested list; a goal with several parents is referred to after the first."""
    lines = [
        f"# Goal chain: {markdown_text(chain.product)}" if chain.product else "# Goal chain",
        "",
    ]
    shown: set[str] = set()
    if chain.vision:
        lines.append(
            f"- **{markdown_text(chain.vision.id)}** vision: "
            f"{markdown_text(chain.vision.statement)}"
        )
        if chain.vision.description:
            lines.append(f"  - {markdown_text(chain.vision.description)}")
        lines += _md_goals(chain, children(chain, chain.vision.id), 1, shown)
    for goal in ordered_goals(chain):  # goals not linked to the vision still get shown
        if goal.id not in shown:
            lines += _md_goals(chain, [goal], 0, shown)
    return "\n".join(lines) + "\n"


def _md_goals(chain: Chain, goals: list[Goal], depth: int, shown: set[str]) -> list[str]:
    indent, lines = "  " * depth, []
    for goal in goals:
        if goal.id in shown:
            lines.append(f"{indent}- **{markdown_text(goal.id)}** (see above)")
            continue
        shown.add(goal.id)
        lines.append(f"{indent}- {_md_goal(goal)}")
        lines += [f"{indent}  - {detail}" for detail in _md_details(goal)]
        lines += _md_goals(chain, children(chain, goal.id), depth + 1, shown)
    return lines


def _md_goal(goal: Goal) -> str:
    facts = [goal.status, goal.due and f"due {goal.due}", goal.owner and f"owner {goal.owner}"]
    summary = ", ".join(fact for fact in facts if fact)
    return (
        f"**{markdown_text(goal.id)}** {markdown_text(goal.level)} goal: "
        f"{markdown_text(goal.title)} ({markdown_text(summary)})"
    )


def _md_details(goal: Goal) -> list[str]:
    details = [markdown_text(goal.description)] if goal.description else []
    details += [markdown_text(metric_text(metric)) for metric in goal.metrics]
    return details + [markdown_text(f"feature: {feature}") for feature in goal.features]


def metric_text(metric: Metric) -> str:
    """A metric on one line: its name, baseline, target, latest reading and owner."""
    unit = f" {metric.unit}" if metric.unit else ""
    values = {"baseline": metric.baseline, "target": metric.target}
    facts = [f"{name} {value}{unit}" for name, value in values.items() if value is not None]
    if metric.readings:
        latest = max(metric.readings, key=lambda reading: str(reading.get("at")))
        facts.append(f"latest {latest.get('value')}{unit} on {day_words(latest.get('at'))}")
    if metric.owner:
        facts.append(f"owner {metric.owner}")
    return f"metric {metric.name}" + (f": {', '.join(facts)}" if facts else "")


def markdown_text(text: str, indent: str | None = None) -> str:
    """Text safe inside Markdown, markup characters escaped: on one line, or with `indent`
    (a list item's), its own lines kept as hard line breaks (a trailing backslash)."""
    lines = [" ".join(line.split()) for line in text.splitlines()] if indent is not None else []
    lines = [line for line in lines if line] or [" ".join(text.split())]
    escaped = [_MARKUP.sub(r"\\\1", line) for line in lines]
    # No line may start a list or underline a heading: "- x", "2. x", "===".
    escaped = [_LINE_START.sub(r"\1\\\2", line) for line in escaped]
    return f"\\\n{indent}".join(escaped)


# Markup characters, and an "&" that would start an entity ("R&amp;D" stays as typed).
_MARKUP = re.compile(r"([\\`*_\[\]<>#|~]|&(?=#?\w+;))")
_LINE_START = re.compile(r"^(\d*)((?<!\d)[-+=]|(?<=\d)[.)])(?=[\s=-]|$)")


_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
}
_MERMAID_ID = re.compile(r"[A-Z][A-Za-z0-9_]{0,39}")


def render_mermaid(chain: Chain, ids: bool = True) -> str:
    """The chain as a Mermaid flowchart: one node per goal, an edge from parent to child;
    without `ids`, the boxes show titles alone (the minutes, which people read)."""
    lines = ["graph TD"]
    if chain.vision:
        lines.append(_mermaid_node(chain.vision.id, chain.vision.statement, ids))
    goals = ordered_goals(chain)
    for goal in goals:
        status = "" if goal.status == "accepted" else f" ({goal.status})"
        lines.append(_mermaid_node(goal.id, goal.title + status, ids))
    known = set(goals_by_id(chain)) | ({chain.vision.id} if chain.vision else set())
    for goal in goals:
        parents = [p for p in ordered_ids(chain, goal.parents) if p in known]
        lines += [f"  {_mermaid_id(parent)} --> {_mermaid_id(goal.id)}" for parent in parents]
    return "\n".join(lines) + "\n"


def _mermaid_node(goal_id: str, text: str, ids: bool) -> str:
    shown = f"{goal_id}: {text}" if ids else text
    label = "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in " ".join(shown.split()))
    return f'  {_mermaid_id(goal_id)}["{label}"]'


def _mermaid_id(goal_id: str) -> str:
    """The id itself when Mermaid can take it as a node name, else a safe spelling of it."""
    return goal_id if _MERMAID_ID.fullmatch(goal_id) else "id_" + goal_id.encode().hex()
