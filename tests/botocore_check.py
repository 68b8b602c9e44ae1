#!/usr/bin/env python3
"""Checks codedeck's API replies against botocore's CodeDeploy model.

Usage: botocore_check.py REPLIES.json [--require-all]

REPLIES.json is a list of {"operation": "<Name>", "status": <http status>,
"body": "<raw reply body>"}. For every 200 reply the body is parsed with
botocore's JSON parser against the operation's output shape, and checked
strictly:

  * every JSON member exists in the output shape (structures' member names,
    recursively through lists and maps);
  * numbers are numbers (integer/long: integral), timestamps are numbers,
    strings are strings, booleans are booleans;
  * enum values are in the model's enum lists (except the documented
    MOST_CONCURRENCY for minimumHealthyHosts.type);
  * no member is JSON null;
  * an operation without an output shape answers an empty body.

For an error reply, `__type` (namespace and `:suffix` dropped) must be one of
the operation's modeled errors or a common error, and botocore must read the
same code from it.

With --require-all, every operation of the model must appear at least once.
Exits non-zero, listing every violation, if anything is wrong.
"""

import json
import sys

try:
    import botocore.parsers
    import botocore.session
except ImportError:  # pragma: no cover - reported to the Rust test
    sys.stderr.write(
        "botocore is not installed: run scripts/install-tools.sh "
        "(it installs awscli, which brings botocore)\n"
    )
    sys.exit(3)

COMMON_ERRORS = {
    "ValidationException",
    "SerializationException",
    "UnknownOperationException",
    "ThrottlingException",
    "InternalFailure",
}

# GetDeploymentConfig reports this type for CodeDeployDefault.OneAtATime; it is
# documented but outside the MinimumHealthyHostsType enum.
DOCUMENTED_ENUM_EXTRAS = {
    ("MinimumHealthyHosts", "type"): {"MOST_CONCURRENCY"},
}


class Checker:
    def __init__(self, model):
        self.model = model
        self.violations = []

    def fail(self, where, what):
        self.violations.append(f"{where}: {what}")

    def check_value(self, where, value, shape, parent=None, member=None):
        """Checks one JSON value against a botocore shape, recursively."""
        if value is None:
            self.fail(where, "member is JSON null (leave unset members out)")
            return
        kind = shape.type_name
        if kind == "structure":
            if not isinstance(value, dict):
                self.fail(where, f"expected an object for {shape.name}, got {type(value).__name__}")
                return
            for key, item in value.items():
                if key not in shape.members:
                    self.fail(
                        f"{where}.{key}",
                        f"member not in shape {shape.name} (known: {', '.join(shape.members)})",
                    )
                    continue
                self.check_value(f"{where}.{key}", item, shape.members[key], shape, key)
        elif kind == "list":
            if not isinstance(value, list):
                self.fail(where, f"expected a list for {shape.name}, got {type(value).__name__}")
                return
            for i, item in enumerate(value):
                self.check_value(f"{where}[{i}]", item, shape.member, shape, None)
        elif kind == "map":
            if not isinstance(value, dict):
                self.fail(where, f"expected an object (map) for {shape.name}, got {type(value).__name__}")
                return
            for key, item in value.items():
                self.check_value(f"{where}{{key {key!r}}}", key, shape.key, shape, None)
                self.check_value(f"{where}{{{key!r}}}", item, shape.value, shape, None)
        elif kind in ("string", "blob"):
            if not isinstance(value, str):
                self.fail(where, f"expected a string for {shape.name}, got {type(value).__name__} {value!r}")
                return
            enum = getattr(shape, "enum", None) or []
            if enum and value not in enum:
                extras = DOCUMENTED_ENUM_EXTRAS.get((parent.name if parent else None, member), set())
                if value not in extras:
                    self.fail(where, f"{value!r} is not a {shape.name} value ({', '.join(enum)})")
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(where, f"expected an integer for {shape.name}, got {type(value).__name__} {value!r}")
        elif kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(where, f"expected a number for {shape.name}, got {type(value).__name__} {value!r}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(where, f"expected a boolean for {shape.name}, got {type(value).__name__} {value!r}")
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(
                    where,
                    f"expected a timestamp as epoch-seconds number for {shape.name}, "
                    f"got {type(value).__name__} {value!r}",
                )
        else:
            self.fail(where, f"shape {shape.name} has unhandled type {kind}")

    def check_reply(self, index, entry):
        name = entry.get("operation")
        status = entry.get("status")
        body = entry.get("body", "")
        where = f"#{index} {name} ({status})"
        if name not in self.model.operation_names:
            self.fail(where, "not an operation of the codedeploy model")
            return
        if not isinstance(body, str):
            self.fail(where, "the body in the replies file must be a string")
            return
        op = self.model.operation_model(name)
        parser = botocore.parsers.create_parser("json")
        response = {
            "body": body.encode("utf-8"),
            "headers": {"content-type": "application/x-amz-json-1.1"},
            "status_code": status,
        }
        if status == 200:
            self.check_success(where, op, parser, response, body)
        else:
            self.check_error(where, op, parser, response, body)

    def check_success(self, where, op, parser, response, body):
        shape = op.output_shape
        if shape is None:
            if body.strip() not in ("", "{}"):
                self.fail(where, f"operation has no output shape but the body is {body[:200]!r}")
            return
        if not body.strip():
            self.fail(where, f"empty body, but the operation has output shape {shape.name}")
            return
        try:
            data = json.loads(body)
        except ValueError as e:
            self.fail(where, f"body is not JSON ({e}): {body[:200]!r}")
            return
        try:
            parsed = parser.parse(response, shape)
        except Exception as e:  # botocore raises various parser errors
            self.fail(where, f"botocore cannot parse the body against {shape.name}: {e!r}")
            return
        if "Error" in parsed and parsed["Error"].get("Code"):
            self.fail(where, f"botocore reads an error from a 200 reply: {parsed['Error']}")
        self.check_value(f"{where} {shape.name}", data, shape)

    def check_error(self, where, op, parser, response, body):
        try:
            data = json.loads(body)
        except ValueError as e:
            self.fail(where, f"error body is not JSON ({e}): {body[:200]!r}")
            return
        if not isinstance(data, dict):
            self.fail(where, f"error body is not an object: {body[:200]!r}")
            return
        raw = data.get("__type")
        if not isinstance(raw, str) or not raw:
            self.fail(where, f"error body has no __type: {body[:200]!r}")
            return
        kind = raw.split("#")[-1].split(":")[0]
        modeled = {e.name for e in op.error_shapes}
        if kind not in modeled and kind not in COMMON_ERRORS:
            self.fail(
                where,
                f"__type {kind!r} is neither a modeled error of {op.name} "
                f"({', '.join(sorted(modeled)) or 'none'}) nor a common error",
            )
        message = data.get("message", data.get("Message"))
        if message is not None and not isinstance(message, str):
            self.fail(where, f"error message is not a string: {message!r}")
        try:
            parsed = parser.parse(response, op.output_shape)
        except Exception as e:
            self.fail(where, f"botocore cannot parse the error reply: {e!r}")
            return
        code = parsed.get("Error", {}).get("Code")
        if code != kind:
            self.fail(where, f"botocore reads the error code {code!r}, expected {kind!r}")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 1 or flags - {"--require-all"}:
        sys.stderr.write(__doc__)
        return 2
    with open(args[0], encoding="utf-8") as f:
        entries = json.load(f)
    if not isinstance(entries, list):
        sys.stderr.write("the replies file must hold a JSON list\n")
        return 2
    model = botocore.session.get_session().get_service_model("codedeploy")
    checker = Checker(model)
    for i, entry in enumerate(entries):
        checker.check_reply(i, entry)
    seen = {e.get("operation") for e in entries}
    if "--require-all" in flags:
        missing = sorted(set(model.operation_names) - seen)
        if missing:
            checker.fail("coverage", f"operations never exercised: {', '.join(missing)}")
    if checker.violations:
        sys.stderr.write(
            f"botocore_check: {len(checker.violations)} violation(s) in {len(entries)} replies:\n"
        )
        for v in checker.violations:
            sys.stderr.write(f"  {v}\n")
        return 1
    ok = sum(1 for e in entries if e.get("status") == 200)
    print(
        f"botocore_check: {len(entries)} replies ({ok} successes, {len(entries) - ok} errors) "
        f"over {len(seen)} operations match botocore {botocore.__version__}'s codedeploy model"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
