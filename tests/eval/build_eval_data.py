#!/usr/bin/python3
"""Builds the data of the `dnncost eval` tests with Debian's PyTorch, torchvision, PIL and scikit-learn.

  build_eval_data.py OUT_DIR

Writes, under OUT_DIR:
  digits/val/<0..9>/*.png|jpg  held-out scikit-learn handwritten digits (8x8, upscaled 4x nearest, some padded to
                               40 px wide, as RGB/grey PNG and RGB/grey JPEG) plus three broken files
  digits/labels.txt, class_names.txt, and label files/folders for the bad-input tests
  digits/model.onnx            a small CNN trained here for a few seconds (fixed seed), input [N, 3, 24, 24]
  digits/reference.json        PyTorch's prediction for every held-out image, with the SAME preprocessing done
                               by torchvision/PIL (Resize(28) -> CenterCrop(24) -> ToTensor -> Normalize)
  not_image.onnx, one_channel.onnx   models whose input is not an RGB image
  photos/manifest.json + *.bin PIL/torchvision reference decodes, resizes/crops and tensors of real photographs
                               (scikit-learn's china.jpg and flower.jpg, and variants re-encoded from them)
"""
import io
import json
import os
import shutil
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image
from sklearn.datasets import load_digits

SEED = 0
EPOCHS = 4
RESIZE, CROP = 28, 24
MEAN, STD = (0.1, 0.1, 0.1), (0.3, 0.3, 0.3)
PHOTO_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/images"


def transform(resize, crop, mean=MEAN, std=STD):
    steps = [T.Resize(resize)] if resize > 0 else []
    return T.Compose(steps + [T.CenterCrop(crop), T.ToTensor(), T.Normalize(mean, std)])


def pil_loader(path):  # torchvision.datasets.folder.pil_loader
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


# --------------------------------------------------------------------------------------------------------------
# Real photographs: reference decodes, resize+crop results and normalised tensors.

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, rows, width, height, color_type, bit_depth, interlaced=False):
    """A minimal PNG writer for what PIL cannot write: 16-bit RGB and Adam7-interlaced images.
    rows: numpy array (height, width, channels) of uint8 or >u2."""
    def scanlines(img):
        return b"".join(b"\x00" + img[y].tobytes() for y in range(img.shape[0]))
    if interlaced:
        raw = b""
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                               (0, 1, 1, 2)]:
            sub = rows[y0::dy, x0::dx]
            if sub.size:
                raw += scanlines(sub)
    else:
        raw = scanlines(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 6)) +
                png_chunk(b"IEND", b""))


def photo_variants(out):
    """Real photographs and re-encodings of them in the colour types and codings dnncost must decode."""
    china = os.path.join(PHOTO_DIR, "china.jpg")
    flower = os.path.join(PHOTO_DIR, "flower.jpg")
    files = [china, flower]
    base = Image.open(china).convert("RGB")
    rgb = np.asarray(base)
    small = base.crop((100, 50, 420, 290))  # 320x240 keeps the reference files small

    def save(name, image, **kw):
        path = os.path.join(out, name)
        image.save(path, **kw)
        files.append(path)

    save("china_progressive.jpg", small, quality=90, progressive=True)
    save("china_444.jpg", small, quality=95, subsampling=0)
    save("china_gray.jpg", small.convert("L"), quality=90)
    save("china_cmyk.jpg", small.convert("CMYK"), quality=90)
    save("china_rgb.png", small)
    alpha = Image.fromarray(np.tile(np.linspace(0, 255, small.width, dtype=np.uint8), (small.height, 1)))
    rgba = small.copy()
    rgba.putalpha(alpha)
    save("china_rgba.png", rgba)
    save("china_gray.png", small.convert("L"))
    gray_alpha = small.convert("L")
    gray_alpha.putalpha(alpha)
    save("china_gray_alpha.png", gray_alpha)
    save("china_palette.png", small.quantize(64))
    save("china_palette_transparent.png", small.quantize(64), transparency=3)
    save("china_1bit.png", small.convert("1"))
    sub = rgb[50:290, 100:420]
    path = os.path.join(out, "china_rgb16.png")
    write_png(path, (sub.astype(np.uint16) * 256 + 200).astype(">u2"), sub.shape[1], sub.shape[0], 2, 16)
    files.append(path)
    path = os.path.join(out, "china_interlaced.png")
    write_png(path, sub, sub.shape[1], sub.shape[0], 2, 8, interlaced=True)
    files.append(path)
    return files


def build_photo_references(out):
    os.makedirs(out, exist_ok=True)
    # (resize, crop): the ImageNet default; an odd offset (Python's round half to even); upscaling; no resize;
    # a crop larger than the resized image (zero padding); a strong downscale; a non-square result.
    # The re-encoded variants (320x240) get the first three only, to keep the reference files small.
    configs = [(256, 224), (255, 224), (37, 32), (600, 512), (0, 224), (200, 224), (300, 111)]
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    manifest = {"mean": mean, "std": std, "images": []}
    for path in photo_variants(out):
        name = os.path.splitext(os.path.basename(path))[0] + "_" + os.path.splitext(path)[1][1:]
        decoded = np.asarray(pil_loader(path))
        decoded.tofile(os.path.join(out, name + ".decoded.bin"))
        entry = {"path": path, "width": decoded.shape[1], "height": decoded.shape[0],
                 "decoded": name + ".decoded.bin", "cases": []}
        original = os.path.dirname(path) == PHOTO_DIR
        for resize, crop in configs if original else configs[:3]:
            image = pil_loader(path)
            steps = [T.Resize(resize)] if resize > 0 else []
            cropped = T.Compose(steps + [T.CenterCrop(crop)])(image)
            tensor = transform(resize, crop, mean, std)(image).numpy().astype(np.float32)
            stem = "%s.r%d.c%d" % (name, resize, crop)
            np.asarray(cropped).tofile(os.path.join(out, stem + ".crop.bin"))
            tensor.tofile(os.path.join(out, stem + ".tensor.bin"))
            entry["cases"].append({"resize": resize, "crop": crop, "crop_file": stem + ".crop.bin",
                                   "tensor_file": stem + ".tensor.bin"})
        manifest["images"].append(entry)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


# --------------------------------------------------------------------------------------------------------------
# Digits: files, model, PyTorch predictions.

class DigitNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.classifier = torch.nn.Linear(16 * 6 * 6, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def digit_image(pixels, variant):
    """An 8x8 digit (0..16) as a PIL image: 4x nearest upscale to 32x32; odd variants padded to 40 px wide."""
    img = np.round(pixels * 255.0 / 16.0).astype(np.uint8)
    img = np.kron(img, np.ones((4, 4), dtype=np.uint8))
    if variant % 2 == 1:
        img = np.pad(img, ((0, 0), (4, 4)))
    return Image.fromarray(img, "L")


def save_digit(image, path_stem, variant):
    """Formats rotate: RGB PNG, grey PNG, RGB JPEG, grey JPEG."""
    kind = variant % 4
    if kind == 0:
        path = path_stem + ".png"
        image.convert("RGB").save(path)
    elif kind == 1:
        path = path_stem + ".png"
        image.save(path)
    elif kind == 2:
        path = path_stem + ".jpg"
        image.convert("RGB").save(path, quality=92)
    else:
        path = path_stem + ".jpg"
        image.save(path, quality=92)
    return path


def export_onnx(model, path, shape):
    torch.onnx.export(model, torch.zeros(*shape), path, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, opset_version=13)


def build_digits(out):
    if os.path.isdir(out):
        shutil.rmtree(out)
    val = os.path.join(out, "val")
    digits = load_digits()
    rng = np.random.RandomState(SEED)
    order = rng.permutation(len(digits.target))
    held_out = set(order[:360].tolist())
    tf = transform(RESIZE, CROP)

    # Held-out images as files in class folders; training images stay in memory (same preprocessing).
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    train_x, train_y, val_items = [], [], []
    for i, (pixels, label) in enumerate(zip(digits.images, digits.target)):
        image = digit_image(pixels, i)
        if i in held_out:
            folder = os.path.join(val, str(label))
            os.makedirs(folder, exist_ok=True)
            path = save_digit(image, os.path.join(folder, "digit_%04d" % i), i)
            val_items.append((os.path.relpath(path, val), int(label)))
        else:
            train_x.append(tf(image.convert("RGB")))
            train_y.append(int(label))

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    model = DigitNet()
    x, y = torch.stack(train_x), torch.tensor(train_y)
    optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
    started = time.time()
    for epoch in range(EPOCHS):
        perm = torch.randperm(len(y))
        for b in range(0, len(y), 64):
            idx = perm[b:b + 64]
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
    model.eval()
    print("trained %d epochs on %d images in %.1f s (last loss %.4f)" % (epoch + 1, len(y), time.time() - started,
                                                                          loss.item()))
    export_onnx(model, os.path.join(out, "model.onnx"), (1, 3, CROP, CROP))

    # PyTorch's predictions on the held-out files, decoded by PIL and preprocessed by torchvision.
    predictions, margins, top1 = {}, {}, 0
    with torch.no_grad():
        for rel, label in sorted(val_items):
            logits = model(tf(pil_loader(os.path.join(val, rel))).unsqueeze(0))[0]
            top2 = torch.topk(logits, 2).values
            predictions[rel] = int(torch.argmax(logits))
            margins[rel] = float(top2[0] - top2[1])
            top1 += predictions[rel] == label

    # Broken files: skipped and listed by dnncost.
    broken = {}
    with open(os.path.join(val, "3", "notes.png"), "w") as f:
        f.write("these are notes, not a PNG image\n")
    broken["3/notes.png"] = "not a JPEG or PNG file"
    some_jpeg = next(rel for rel, _ in sorted(val_items) if rel.endswith(".jpg"))
    data = open(os.path.join(val, some_jpeg), "rb").read()
    with open(os.path.join(val, "5", "truncated.jpg"), "wb") as f:
        f.write(data[:len(data) // 2])
    broken["5/truncated.jpg"] = "truncated JPEG"
    digit_image(digits.images[0], 0).save(os.path.join(val, "8", "picture.gif"))
    broken["8/picture.gif"] = "unsupported image format (GIF)"

    # The same set as a labels file (shuffled, with a comment and a blank line), and class names.
    lines = ["%s %d" % item for item in val_items] + ["3/notes.png 3", "5/truncated.jpg 5", "8/picture.gif 8"]
    rng.shuffle(lines)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("# relative/path label\n\n" + "\n".join(lines) + "\n")
    with open(os.path.join(out, "class_names.txt"), "w") as f:
        f.write("\n".join(names) + "\n")

    # Bad input: an empty folder, a label out of range, more class folders than classes, nothing decodable.
    os.makedirs(os.path.join(out, "empty"))
    with open(os.path.join(out, "labels_out_of_range.txt"), "w") as f:
        f.write("%s %d\n%s 10\n" % (val_items[0][0], val_items[0][1], val_items[1][0]))
    for c in range(11):
        folder = os.path.join(out, "eleven_classes", "class_%02d" % c)
        os.makedirs(folder)
        digit_image(digits.images[c], 0).save(os.path.join(folder, "a.png"))
    os.makedirs(os.path.join(out, "undecodable", "0"))
    with open(os.path.join(out, "undecodable", "0", "a.png"), "w") as f:
        f.write("not an image")

    reference = {"images": len(val_items), "top1_count": int(top1), "top1": top1 / len(val_items),
                 "resize": RESIZE, "crop": CROP, "mean": MEAN, "std": STD, "predictions": predictions,
                 "labels": {rel: label for rel, label in val_items}, "margins": margins, "broken": broken}
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1, sort_keys=True)
    print("PyTorch top-1 on %d held-out digits: %.4f (%d)" % (len(val_items), reference["top1"], top1))


def build_bad_models(out):
    class Flat(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(10, 4)

        def forward(self, x):
            return self.fc(x)

    class OneChannel(torch.nn.Module):
        def forward(self, x):
            return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, 1), 1)

    torch.manual_seed(SEED)
    export_onnx(Flat(), os.path.join(out, "not_image.onnx"), (1, 10))
    export_onnx(OneChannel(), os.path.join(out, "one_channel.onnx"), (1, 1, 24, 24))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    started = time.time()
    build_digits(os.path.join(out, "digits"))
    build_bad_models(out)
    build_photo_references(os.path.join(out, "photos"))
    print("eval test data in %s (%.1f s)" % (out, time.time() - started))


if __name__ == "__main__":
    main()
