#!/usr/bin/env python3
"""The tokenizer agreement test: llmpace's local tokenizer against independent implementations.

    compare.py LLMPACE_BINARY OUT_DIR

Runs make_references.mjs (node) to build the fixtures and reference encodings into OUT_DIR, then
feeds each reference file's texts to `llmpace tokenize --jsonl` with the fixture it was made
for, and compares the ids token for token. Prints the first mismatch of each reference file
(text, expected ids, got ids) and fails; on success prints the lines and tokens compared.
A missing node or node_modules is a failure with the command that fixes it, never a pass.
"""
import concurrent.futures
import json
import pathlib
import shutil
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
PACKAGES = ["js-tiktoken", "llama3-tokenizer-js", "@huggingface/tokenizers"]


def fail(message):
    print(f"tokenizer agreement: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check_node():
    node = shutil.which("node")
    if node is None:
        fail("node is not on PATH; run scripts/install-deps.sh (it installs nodejs and npm when "
             "node is missing, then the reference packages)")
    missing = [p for p in PACKAGES if not (HERE / "node_modules" / p / "package.json").is_file()]
    if missing:
        fail(f"npm packages missing ({', '.join(missing)}); run scripts/install-deps.sh or "
             f"(cd {HERE} && npm ci --no-audit --no-fund)")
    return node


def read_jsonl(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def run_llmpace(binary, tokenizer, add_special_tokens, texts):
    command = [binary, "tokenize", "--tokenizer", tokenizer, "--jsonl"]
    if add_special_tokens:
        command.append("--add-special-tokens")
    stdin = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    started = time.monotonic()
    result = subprocess.run(command, input=stdin.encode("utf-8"), capture_output=True,
                            timeout=120)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        fail(f"{' '.join(command)} exited with {result.returncode}: "
             f"{result.stderr.decode('utf-8', 'replace').strip()}")
    got = [json.loads(line)["ids"] for line in result.stdout.decode("utf-8").splitlines()]
    if len(got) != len(texts):
        fail(f"{' '.join(command)}: {len(got)} output lines for {len(texts)} texts")
    return got, seconds


def compare(binary, fixture, reference):
    records = read_jsonl(reference["file"])
    texts = [r["text"] for r in records]
    got, seconds = run_llmpace(binary, fixture["tokenizer"], reference["add_special_tokens"], texts)
    mode = "with special tokens" if reference["add_special_tokens"] else "plain"
    label = f"{fixture['name']} vs {reference['implementation']} ({mode})"
    mismatches = [i for i, r in enumerate(records) if r["ids"] != got[i]]
    if mismatches:
        i = mismatches[0]
        expected, actual = records[i]["ids"], got[i]
        first = next((k for k, (a, b) in enumerate(zip(expected, actual)) if a != b),
                     min(len(expected), len(actual)))
        return False, (
            f"{label}: {len(mismatches)} of {len(records)} lines differ; first, line {i + 1}:\n"
            f"  text     {json.dumps(texts[i], ensure_ascii=False)[:600]}\n"
            f"  expected {expected[:first + 12]}{' ...' if len(expected) > first + 12 else ''}\n"
            f"  got      {actual[:first + 12]}{' ...' if len(actual) > first + 12 else ''}\n"
            f"  first difference at token {first}")
    tokens = sum(len(r["ids"]) for r in records)
    return True, (f"{label}: {len(records)} lines, {tokens} tokens agree "
                  f"(llmpace {seconds:.2f} s incl. loading)")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    binary, out_dir = sys.argv[1], sys.argv[2]
    node = check_node()
    made = subprocess.run([node, str(HERE / "make_references.mjs"), out_dir], timeout=300)
    if made.returncode != 0:
        fail(f"make_references.mjs exited with {made.returncode}")
    manifest = json.loads((pathlib.Path(out_dir) / "manifest.json").read_text())

    jobs = [(f, r) for f in manifest["fixtures"] for r in f["references"]]
    ok = True
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for passed, message in pool.map(lambda job: compare(binary, *job), jobs):
            print(message)
            ok = ok and passed
    for fixture in manifest["fixtures"]:
        if fixture.get("note"):
            print(f"note: {fixture['name']}: {fixture['note']}")
    if not ok:
        fail("llmpace's tokenizer disagrees with a reference (see above)")
    print(f"tokenizer agreement: {len(jobs)} comparisons over {len(manifest['fixtures'])} "
          "fixtures, all identical")


if __name__ == "__main__":
    main()
