#!/usr/bin/python3
"""Adds (or refreshes) torchvision's classifiers in the zoo manifest, from the installed torchvision itself.

    gen_classifiers.py [--manifest FILE] [--check] [NAME ...]

For every name of torchvision.models.list_models(module=torchvision.models) (80 in torchvision 0.14.1) that the
manifest does not already carry with set "core" (the study's networks, kept as they are: their top-1 is the weights
the study used, mostly IMAGENET1K_V1), writes an entry with set "torchvision":

  input        [3, S, S], S = the crop size of the DEFAULT weights' transforms (299 for Inception-v3; 240-600 for the
               EfficientNets, 384 for EfficientNet-V2-S, 480 for -M/-L, 256 for Swin-V2, 384 for RegNet-Y-128GF and
               518 for ViT-H/14, whose DEFAULT weights are the SWAG end-to-end fine-tuned ones); ViTs take the size as
               builder_args image_size where it is not their constructor's default 224 (the position embedding's
               length depends on it; the rest of the networks accept any size);
  params       PyTorch's trainable parameter count, checked against the weights' documented num_params;
  macs         torch_macs.py's count of PyTorch's own convolutions and matrix products at batch 1 (on the meta device:
               shapes only, no arithmetic);
  top1         acc@1 of the DEFAULT weights' _metrics["ImageNet-1K"] (torchvision's documentation tables are made from
               the same metadata), the weights named in torchvision_weights (export_zoo.py re-checks it);
  family       for the table and the CI subset; ctest_label "none" (no ctest) except one model per family, listed in
               CI_SUBSET below; external_data for models over 2 GB of float32 weights (protobuf's limit).

--check compares the manifest with what would be written and exits 1 on a difference (nothing written).
"""

import argparse
import os
import re
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_zoo  # noqa: E402
import torch_macs  # noqa: E402

# Family of each name, by prefix (longest first).
FAMILIES = [("alexnet", "AlexNet"), ("convnext", "ConvNeXt"), ("densenet", "DenseNet"),
            ("efficientnet_v2", "EfficientNet-V2"), ("efficientnet", "EfficientNet"), ("googlenet", "GoogLeNet"),
            ("inception", "Inception"), ("maxvit", "MaxViT"), ("mnasnet", "MNASNet"), ("mobilenet_v2", "MobileNet-V2"),
            ("mobilenet_v3", "MobileNet-V3"), ("regnet_x", "RegNet-X"), ("regnet_y", "RegNet-Y"),
            ("resnext", "ResNeXt"), ("resnet", "ResNet"), ("shufflenet", "ShuffleNet-V2"),
            ("squeezenet", "SqueezeNet"), ("swin_v2", "Swin-V2"), ("swin", "Swin"), ("vgg", "VGG"), ("vit", "ViT"),
            ("wide_resnet", "Wide ResNet")]

# The representative subset ctest runs: one per family the core set lacks, the smallest by MACs; ViT-B/16 (the
# issue's reference) and Wide ResNet-50-2 labelled zoo-large.
CI_SUBSET = {
    "convnext_tiny": "zoo", "densenet121": "zoo", "efficientnet_b0": "zoo", "efficientnet_v2_s": "zoo",
    "maxvit_t": "zoo", "mnasnet0_5": "zoo", "regnet_x_400mf": "zoo", "regnet_y_400mf": "zoo",
    "resnext50_32x4d": "zoo", "swin_t": "zoo", "swin_v2_t": "zoo", "vit_b_32": "zoo", "vit_b_16": "zoo-large",
    "wide_resnet50_2": "zoo-large",
}
PROTOBUF_LIMIT = 2**31  # bytes; float32 weights beyond ~1.8 GB go to external data (with margin for the graph)


def family(name):
    for prefix, fam in FAMILIES:
        if name.startswith(prefix):
            return fam
    raise ValueError(f"no family for {name}")


def title(enum_stem):
    """"ShuffleNet_V2_X0_5" -> "ShuffleNet-V2-X0.5", "MNASNet0_75" -> "MNASNet0.75", "ViT_B_16" -> "ViT-B/16",
    "ResNeXt50_32X4D" -> "ResNeXt50-32X4D"."""
    decimal = not enum_stem.startswith(("ResNeXt", "Wide"))  # ResNeXt50_32X4D, Wide_ResNet50_2: no decimals
    t = (re.sub(r"(?<=\d)_(?=\d)", ".", enum_stem) if decimal else enum_stem).replace("_", "-")
    if t.startswith("ViT-"):
        head, _, patch = t.rpartition("-")
        t = f"{head}/{patch}"
    return t


def entry_for(name):
    weights = torchvision.models.get_model_weights(name).DEFAULT
    meta = weights.meta
    crop = weights.transforms.keywords.get("crop_size", 224)
    args = {}
    if name.startswith("vit_") and crop != 224:
        args["image_size"] = crop
    if name in ("googlenet", "inception_v3"):
        args.update({"aux_logits": False, "init_weights": True, "transform_input": False})
    entry = {
        "name": name,
        "title": title(type(weights).__name__[:-len("_Weights")]),
        "builder": f"torchvision.{name}",
    }
    if args:
        entry["builder_args"] = args
    entry["input"] = [3, crop, crop]
    model = export_zoo.build_model(entry).eval()
    entry["params"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if entry["params"] != meta["num_params"]:
        raise ValueError(f"{name}: PyTorch counts {entry['params']:,} parameters, the weights document "
                         f"{meta['num_params']:,}")
    model = model.to("meta")
    entry["macs"] = torch_macs.count_macs(model, torch.zeros(1, 3, crop, crop, device="meta"))["macs"]
    del model
    weights_name = f"{type(weights).__name__}.{weights.name}"
    entry["top1"] = {
        "value": meta["_metrics"]["ImageNet-1K"]["acc@1"],
        "source": f"torchvision {torchvision.__version__.split('a')[0]} weights metadata: {weights_name} (the DEFAULT "
                  f"weights), _metrics ImageNet-1K acc@1, single centre crop {crop}x{crop} (the figure torchvision's "
                  "documentation tables print)",
        "torchvision_weights": weights_name,
    }
    entry["in_study"] = False
    entry["set"] = "torchvision"
    entry["family"] = family(name)
    entry["ctest_label"] = CI_SUBSET.get(name, "none")
    entry["parity_max_rel_l2"] = 1e-4
    entry["parity_note"] = "the issue's bound for torchvision's classifiers beyond the core set (relative L2 1e-4)"
    if entry["params"] * 4 > PROTOBUF_LIMIT * 0.85:
        entry["external_data"] = True
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these classifiers (default: all of list_models)")
    parser.add_argument("--manifest", default=export_zoo.DEFAULT_MANIFEST)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    manifest = export_zoo.load_manifest(args.manifest)
    models = manifest["models"]
    index = {m["name"]: i for i, m in enumerate(models)}
    names = args.names or torchvision.models.list_models(module=torchvision.models)
    differences = 0
    for name in names:
        existing = models[index[name]] if name in index else None
        if existing is not None and existing.get("set", "core") == "core":
            existing["family"] = family(name)  # the core entries keep their values; they gain a family
            continue
        entry = entry_for(name)
        if existing != entry:
            differences += 1
            print(f"[{name}] {'added' if existing is None else 'updated'}: params {entry['params']:,}, MACs "
                  f"{entry['macs']:,}, input {entry['input'][1]}, top-1 {entry['top1']['value']}", flush=True)
        else:
            print(f"[{name}] unchanged", flush=True)
        if existing is None:
            index[name] = len(models)
            models.append(entry)
        else:
            models[index[name]] = entry
    if args.check:
        print(f"{differences} entr{'y differs' if differences == 1 else 'ies differ'}")
        return 1 if differences else 0
    export_zoo.write_manifest(args.manifest, manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
