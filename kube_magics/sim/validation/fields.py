"""Field errors as apimachinery words them, and the string checks every API group shares.

`field.Invalid`, `field.Required`, `field.Duplicate`, `field.NotSupported`, `field.Forbidden`, `field.NotFound`,
`field.TooLong` become Causes whose message is `ErrorBody()`: `Invalid value: "Nginx_Pod": a lowercase RFC 1123
subdomain must consist of ...`. Values print as Go prints them in those messages: strings quoted, numbers and
booleans bare, maps and structs as JSON, quantities in their canonical form without quotes.

The checks (`dns1123_label`, `qualified_name`, `label_value`, `config_map_key`, `port_name`, ...) return the
messages of apimachinery's `validation.Is*` functions, in their order.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeGuard

from kube_magics.errors import Cause

Obj = dict[str, Any]


class Bare(str):
    """A value that prints without quotes (a Quantity: Go prints it through its String method)."""


def quote(value: Any) -> str:
    """A value as a field error prints it: `"text"`, `70000`, `true`, `{"a":"b"}`, `null`."""
    if isinstance(value, Bare):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return str(value)


def invalid(field: str, value: Any, detail: str) -> Cause:
    return Cause(field, f"Invalid value: {quote(value)}: {detail}", "FieldValueInvalid")


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "Required value" + (f": {detail}" if detail else ""), "FieldValueRequired")


def duplicate(field: str, value: Any) -> Cause:
    return Cause(field, f"Duplicate value: {quote(value)}", "FieldValueDuplicate")


def not_supported(field: str, value: Any, supported: list[str]) -> Cause:
    values = ", ".join(json.dumps(v) for v in supported)
    return Cause(field, f"Unsupported value: {quote(value)}: supported values: {values}", "FieldValueNotSupported")


def forbidden(field: str, detail: str) -> Cause:
    return Cause(field, f"Forbidden: {detail}", "FieldValueForbidden")


def not_found(field: str, value: Any) -> Cause:
    return Cause(field, f"Not found: {quote(value)}", "FieldValueNotFound")


def too_long(field: str, limit: int) -> Cause:
    return Cause(field, f"Too long: may not be more than {limit} bytes", "FieldValueTooLong")


def nonnegative(field: str, value: Any) -> list[Cause]:
    """ValidateNonnegativeField."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


def immutable(field: str, new: Any, old: Any) -> list[Cause]:
    """ValidateImmutableField."""
    return [] if new == old else [invalid(field, new, "field is immutable")]


# --- apimachinery/pkg/util/validation -------------------------------------------------------------------------

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_FMT + ")?"
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"

_LABEL_RE = re.compile(f"^{_LABEL_FMT}$")
_SUBDOMAIN_RE = re.compile(f"^{_SUBDOMAIN_FMT}$")
_DNS1035_RE = re.compile(f"^{_DNS1035_FMT}$")
_QUALIFIED_RE = re.compile(f"^{_QUALIFIED_FMT}$")
_LABEL_VALUE_RE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_CONFIG_KEY_RE = re.compile(f"^{_CONFIG_KEY_FMT}$")


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError: note the two spaces before `or` that its loop leaves."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    text = message + " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def max_len(n: int) -> str:
    return f"must be no more than {n} characters"


LABEL_MSG = regex_error("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                        "must start and end with an alphanumeric character", _LABEL_FMT, "my-name", "123-abc")
SUBDOMAIN_MSG = regex_error("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                            "or '.', and must start and end with an alphanumeric character", _SUBDOMAIN_FMT,
                            "example.com")
DNS1035_MSG = regex_error("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                          "alphabetic character, and end with an alphanumeric character", _DNS1035_FMT, "my-name",
                          "abc-123")
_QUALIFIED_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " \
                 "alphanumeric character"


def dns1123_label(value: str) -> list[str]:
    errs = [max_len(63)] if len(value) > 63 else []
    if not _LABEL_RE.match(value):
        errs.append(LABEL_MSG)
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = [max_len(253)] if len(value) > 253 else []
    if not _SUBDOMAIN_RE.match(value):
        errs.append(SUBDOMAIN_MSG)
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = [max_len(63)] if len(value) > 63 else []
    if not _DNS1035_RE.match(value):
        errs.append(DNS1035_MSG)
    return errs


def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: label and annotation keys (`app`, `app.kubernetes.io/name`)."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain(prefix))
    else:
        return [("a qualified name " + regex_error(_QUALIFIED_MSG, _QUALIFIED_FMT, "MyName", "my.name", "123-abc")
                 + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len(63))
    if not _QUALIFIED_RE.match(name):
        errs.append("name part " + regex_error(_QUALIFIED_MSG, _QUALIFIED_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value(value: str) -> list[str]:
    errs = [max_len(63)] if len(value) > 63 else []
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error("a valid label must be an empty string or consist of alphanumeric characters, '-', "
                                "'_' or '.', and must start and end with an alphanumeric character",
                                _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def config_map_key(value: str) -> list[str]:
    errs = [max_len(253)] if len(value) > 253 else []
    if not _CONFIG_KEY_RE.match(value):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def port_num(value: Any) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def port_name(value: str) -> list[str]:
    errs = [max_len(15)] if len(value) > 15 else []
    if not re.match(r"^[-a-z0-9]+$", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num_or_name(field: str, value: Any) -> list[Cause]:
    """ValidatePortNumOrName, for an IntOrString port."""
    if isinstance(value, str):
        return [invalid(field, value, m) for m in port_name(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [invalid(field, value, m) for m in port_num(value)]
    return []


def env_var_name(value: str) -> list[str]:
    """IsRelaxedEnvVarName (the rule since Kubernetes 1.34): printable ASCII other than '='."""
    errs = ["environment variable name must be non-empty"] if not value else []
    if any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in value):
        errs.append("a valid environment variable name must consist only of printable ASCII characters other "
                    "than '='")
    return errs


def percent(value: str) -> list[str]:
    if re.match(r"^[0-9]+%$", value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%",
                        "1%", "93%")]


def as_dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
