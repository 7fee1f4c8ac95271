#!/usr/bin/python3
"""Checks `dnncost eval` against the data of build_eval_data.py (PyTorch's predictions, broken files, bad input).

  check_eval.py CHECK DNNCOST DATA_DIR      CHECK: predictions | labels_file | limit | interrupt | bad_input
"""
import json
import os
import subprocess
import sys
import tempfile


def run(dnncost, args, expect_rc=0):
    proc = subprocess.run([dnncost, "eval"] + args, capture_output=True, text=True, timeout=120)
    if proc.returncode != expect_rc:
        sys.exit("dnncost eval %s: exit status %d, expected %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(args), proc.returncode, expect_rc, proc.stdout, proc.stderr))
    return proc


def digits_args(data, *extra):
    ref = reference(data)
    d = os.path.join(data, "digits")
    return [os.path.join(d, "model.onnx"), "--images", os.path.join(d, "val"), "--resize", str(ref["resize"]),
            "--crop", str(ref["crop"]), "--mean", ",".join(map(str, ref["mean"])), "--std",
            ",".join(map(str, ref["std"]))] + list(extra)


def reference(data):
    with open(os.path.join(data, "digits", "reference.json")) as f:
        return json.load(f)


def eval_record(dnncost, data, *extra, expect_rc=0):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "eval.json")
        proc = run(dnncost, digits_args(data, "--json", path, *extra), expect_rc)
        with open(path) as f:
            return json.load(f), proc


def expect(cond, message):
    if not cond:
        sys.exit("FAIL: " + message)


def check_predictions_match(record, ref):
    """Every image's prediction equals PyTorch's; top-1 identical; the broken files are skipped and listed.
    The inputs are bit-identical (same decoders, same preprocessing), so only float32 summation order differs
    (~1e-6); the smallest gap between PyTorch's two best logits is printed to show no prediction is a near tie."""
    expect(record["schema"] == "dnncost.eval/1", "schema is %r" % record.get("schema"))
    for key in ["model", "device", "images", "skipped", "skipped_files", "top1", "top5", "top1_count", "top5_count",
                "throughput_images_per_s", "preprocess", "interrupted", "per_image"]:
        expect(key in record, "the record has no %r" % key)
    expect(record["images"] == ref["images"], "%d images evaluated, expected %d" % (record["images"], ref["images"]))
    per_image = {p["path"]: p for p in record["per_image"]}
    expect(set(per_image) == set(ref["predictions"]), "per_image paths differ from the reference set")
    mismatches = []
    for path, expected in sorted(ref["predictions"].items()):
        got = per_image[path]
        expect(got["label"] == ref["labels"][path], "%s: label %d, expected %d" % (path, got["label"],
                                                                                   ref["labels"][path]))
        if got["prediction"] != expected:
            mismatches.append("%s: dnncost %d, PyTorch %d (PyTorch top-2 margin %.3g)" % (
                path, got["prediction"], expected, ref["margins"][path]))
    smallest = min(ref["margins"].values())
    print("smallest PyTorch top-2 logit margin: %.4g" % smallest)
    expect(not mismatches, "%d prediction(s) differ from PyTorch's:\n  %s" % (len(mismatches), "\n  ".join(mismatches)))
    expect(record["top1_count"] == ref["top1_count"], "top-1 count %d, PyTorch %d" % (record["top1_count"],
                                                                                   ref["top1_count"]))
    expect(abs(record["top1"] - ref["top1"]) < 1e-12, "top-1 %r, PyTorch %r" % (record["top1"], ref["top1"]))
    skipped = {s["path"]: s["reason"] for s in record["skipped_files"]}
    expect(record["skipped"] == len(ref["broken"]) == len(skipped),
           "skipped %r, expected %r" % (skipped, ref["broken"]))
    for path, reason in ref["broken"].items():
        expect(path in skipped and reason in skipped[path], "%s: skipped as %r, expected %r" % (
            path, skipped.get(path), reason))
    expect(record["interrupted"] is False, "interrupted is %r" % record["interrupted"])
    print("dnncost top-1 %.4f (%d/%d), PyTorch top-1 %.4f (%d/%d); %d/%d per-image predictions identical; skipped: %s"
          % (record["top1"], record["top1_count"], record["images"], ref["top1"], ref["top1_count"], ref["images"],
             len(ref["predictions"]) - len(mismatches), len(ref["predictions"]), ", ".join(sorted(skipped))))


def check_predictions(dnncost, data):
    ref = reference(data)
    # Batch 16: 360 images end with a partial batch of 8 (padded).
    record, proc = eval_record(dnncost, data, "--batch", "16", "--per-image")
    check_predictions_match(record, ref)
    expect("top-1       %.4f" % ref["top1"] in proc.stdout, "summary lacks the top-1 line:\n" + proc.stdout)
    expect("5/truncated.jpg" in proc.stdout, "summary lacks the skipped files:\n" + proc.stdout)
    expect(record["preprocess"]["resize"] == ref["resize"] and record["preprocess"]["crop"] == ref["crop"],
           "preprocess %r" % record["preprocess"])
    # Batch 1 gives the same result.
    record1, _ = eval_record(dnncost, data, "--batch", "1", "--per-image", "--quiet")
    expect(record1["per_image"] == record["per_image"], "batch 1 and batch 16 predictions differ")


def check_labels_file(dnncost, data):
    ref = reference(data)
    d = os.path.join(data, "digits")
    record, proc = eval_record(dnncost, data, "--labels", os.path.join(d, "labels.txt"), "--class-names",
                               os.path.join(d, "class_names.txt"), "--batch", "7", "--per-image")
    check_predictions_match(record, ref)
    expect(record["labels"].startswith("labels file"), "labels source %r" % record["labels"])
    expect("(seven)" in proc.stdout or "(eight)" in proc.stdout or "(one)" in proc.stdout,
           "class names are not printed:\n" + proc.stdout)


def check_limit(dnncost, data):
    record, _ = eval_record(dnncost, data, "--limit", "50", "--batch", "8", "--quiet")
    expect(record["images"] == 50, "--limit 50 evaluated %d images" % record["images"])
    expect(record["limit"] == 50, "limit %r" % record["limit"])


def check_interrupt(dnncost, data):
    # The hidden option raises SIGINT in the process after 2 batches: the handler's flag stops the loop, the
    # partial result is printed and written, and the exit status is 130.
    record, proc = eval_record(dnncost, data, "--batch", "8", "--debug-interrupt-after", "2", expect_rc=130)
    expect(record["interrupted"] is True, "interrupted is %r" % record["interrupted"])
    expect(record["images"] == 16, "interrupted after 2 batches of 8 evaluated %d images" % record["images"])
    expect("interrupted" in proc.stdout and "top-1" in proc.stdout, "no partial result printed:\n" + proc.stdout)


def expect_error(dnncost, args, *fragments):
    proc = run(dnncost, args, expect_rc=2)
    for fragment in fragments:
        expect(fragment in proc.stderr, "error for %s lacks %r: %s" % (" ".join(args), fragment, proc.stderr))
    print("ok: " + proc.stderr.strip())


def check_bad_input(dnncost, data):
    d = os.path.join(data, "digits")
    model = os.path.join(d, "model.onnx")
    crop = ["--resize", "28", "--crop", "24"]
    expect_error(dnncost, [model, "--images", os.path.join(d, "empty")] + crop, "--images", "empty",
                 "no class folders")
    expect_error(dnncost, [model, "--images", os.path.join(d, "no_such_folder")] + crop, "--images", "no such folder")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val"), "--labels",
                           os.path.join(d, "labels_out_of_range.txt")] + crop,
                 "--labels", "labels_out_of_range.txt line 2", "label 10", "out of the model's range 0..9")
    expect_error(dnncost, [model, "--images", os.path.join(d, "eleven_classes")] + crop, "--images",
                 "11 class folders", "10 classes", "class_10")
    expect_error(dnncost, [model, "--images", os.path.join(d, "undecodable")] + crop, "none of the 1 files",
                 "not a JPEG or PNG file")
    expect_error(dnncost, [os.path.join(data, "not_image.onnx"), "--images", os.path.join(d, "val")] + crop,
                 "not_image.onnx", "one input is an image", "[N, 10]")
    expect_error(dnncost, [os.path.join(data, "one_channel.onnx"), "--images", os.path.join(d, "val")] + crop,
                 "one_channel.onnx", "one input is an image", "[N, 1, 24, 24]")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val")], "--crop 224 does not match", "--crop 24")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val"), "--mean", "0.5,0.5"] + crop, "--mean",
                 "three comma-separated numbers")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val"), "--std", "0.5,0,0.5"] + crop, "--std",
                 "greater than 0")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val"), "--class-names",
                           os.path.join(d, "labels_out_of_range.txt")] + crop, "--class-names", "2 names",
                 "10 classes")
    expect_error(dnncost, [model, "--images", os.path.join(d, "val"), "--device", "cuda"] + crop, "--device cuda")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    check, dnncost, data = sys.argv[1:]
    checks = {"predictions": check_predictions, "labels_file": check_labels_file, "limit": check_limit,
              "interrupt": check_interrupt, "bad_input": check_bad_input}
    if check not in checks:
        sys.exit("unknown check %r; expected one of %s" % (check, ", ".join(checks)))
    checks[check](dnncost, data)
    print("PASS eval.%s" % check)


if __name__ == "__main__":
    main()
