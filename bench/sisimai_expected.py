"""Expectations for new bounce samples, from Sisimai's own parse (for tests/data/corpus/inbound).

    python bench/sisimai_expected.py P5_SISIMAI_DIR FOLDER/*.eml > lines.jsonl

P5_SISIMAI_DIR is a checkout of https://github.com/sisimai/p5-sisimai (BSD 2-Clause). Perl
runs its parser on each file; the only module it needs beyond core Perl and JSON is
Class::Accessor::Lite, which a ten-line stand-in provides. Each output line is one file in the
corpus's `expected.jsonl` format: the kind, and for a bounce each recipient with Sisimai's
status, reason and alias, whether it is permanent for the recipient (`perm_expected`, null where
it should not be scored) and whether the failure is on the sender's side. File paths are
written relative to the current directory; move the files and fix the paths as needed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# The corpus's own rules, written out rather than imported from outreach.inbound: the
# expectations must not move when the classifier they measure changes.
RECIPIENT_PERMANENT = {"userunknown", "hostunknown", "hasmoved", "notaccept", "suspend"}
TRANSIENT = {"expired", "mailboxfull", "networkerror", "systemerror", "systemfull", "toomanyconn"}
SENDER_SIDE = {
    "authfailure",
    "badreputation",
    "blocked",
    "contenterror",
    "norelaying",
    "notcompliantrfc",
    "policyviolation",
    "rejected",
    "requireptr",
    "securityerror",
    "spamdetected",
    "virusdetected",
}
_ADDRESS = re.compile(r"[^@\s\"|/]+@[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)

_ACCESSOR_LITE = """package Class::Accessor::Lite;
use strict; use warnings;
sub import {
    my ($class, %args) = @_; my $pkg = caller; no strict 'refs';
    if ($args{new}) {
        *{"${pkg}::new"} = sub { my $c = shift; bless { @_ == 1 ? %{$_[0]} : @_ }, $c };
    }
    for my $n (@{ $args{rw} || [] }) {
        *{"${pkg}::$n"} = sub { my $s = shift; $s->{$n} = shift if @_; $s->{$n} };
    }
    for my $n (@{ $args{ro} || [] }) { *{"${pkg}::$n"} = sub { $_[0]->{$n} } }
}
1;
"""

_DUMP = r"""use strict; use warnings; use Sisimai; use JSON;
my $json = JSON->new->canonical;
for my $file (@ARGV) {
    my $v = eval { Sisimai->rise($file, 'delivered' => 1, 'vacation' => 1) } || [];
    my @out;
    for my $f (@$v) {
        push @out, { recipient => $f->recipient->address, alias => ($f->alias // ''),
                     status => $f->deliverystatus, reason => $f->reason,
                     hard => $f->hardbounce ? JSON::true : JSON::false,
                     action => $f->action // '', feedbacktype => $f->feedbacktype // '' };
    }
    print $json->encode({ file => $file, facts => \@out }), "\n";
}
"""


def parse(p5: Path, files: list[Path]) -> list[dict[str, Any]]:
    """Sisimai's facts for each file, as the Perl parser reports them."""
    with tempfile.TemporaryDirectory() as tmp:
        shim = Path(tmp) / "Class" / "Accessor"
        shim.mkdir(parents=True)
        (shim / "Lite.pm").write_text(_ACCESSOR_LITE)
        script = Path(tmp) / "dump.pl"
        script.write_text(_DUMP)
        out = subprocess.run(
            ["perl", f"-I{tmp}", f"-I{p5 / 'lib'}", str(script), *map(str, files)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def expectation(row: dict[str, Any]) -> dict[str, Any]:
    """One `expected.jsonl` line from Sisimai's facts about a file."""
    facts = row["facts"]
    reasons = [f["reason"] for f in facts]
    if not facts or all(r == "delivered" for r in reasons):
        kind = "not_bounce"
    elif all(r == "feedback" for r in reasons):
        kind = "opt_out" if facts[0]["feedbacktype"] == "opt-out" else "complaint"
    elif all(r == "vacation" for r in reasons):
        kind = "auto_reply"
    else:
        kind = "bounce"
    expected = []
    for f in facts if kind == "bounce" else []:
        reason, status = f["reason"], f["status"] or ""
        if reason in ("delivered", "feedback", "vacation"):
            continue
        perm: bool | None = None
        if reason in RECIPIENT_PERMANENT or (reason == "rejected" and status.startswith("5")):
            perm = True
        elif reason in TRANSIENT or f["action"] == "delayed" or reason == "rejected":
            perm = False
        fact = {
            "recipient": f["recipient"],
            "status": status,
            "reason": reason,
            "action": f["action"],
            "sisimai_hard": f["hard"],
            "perm_expected": perm,
            "sender_side": reason in SENDER_SIDE,
        }
        if f["alias"] and _ADDRESS.fullmatch(f["alias"]):
            fact["alias"] = f["alias"].lower()
        expected.append(fact)
    return {
        "set": Path(row["file"]).parent.name,
        "file": row["file"],
        "expect_kind": kind,
        "facts": expected,
        "original_to": [],
        "all_reasons": reasons,
        "japanese": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("p5", type=Path, help="a p5-sisimai checkout")
    parser.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args()
    for row in parse(args.p5, args.files):
        print(json.dumps(expectation(row), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
