"""The zoo's networks that torchvision lacks, defined from their papers and the Torch models the study used.

Canziani, Paszke & Culurciello (2016) measured Torch-7 models. torchvision has most of them; these it lacks:

BN-AlexNet  soumith/imagenet-multiGPU.torch models/alexnetowtbn.lua: the "one weird trick" AlexNet (64-192-384-256-256
            filters, as torchvision's AlexNet) with BatchNorm (eps 1e-3) after every convolution and after the two
            hidden fully-connected layers.
BN-NIN      soumith/imagenet-multiGPU.torch models/ninbn.lua: Network-in-Network (Lin et al. 2013) for ImageNet, each
            of its four blocks a KxK convolution and two 1x1 convolutions, every convolution followed by BatchNorm
            (eps 1e-3) and ReLU; 3x3/2 max-pooling (padding 1) between blocks, 7x7 average pooling, a 1024->1000
            fully-connected classifier.
ENet        Paszke et al. 2016, "ENet: A Deep Neural Network Architecture for Real-Time Semantic Segmentation",
            Table 1: the initial block (3x3/2 convolution with 13 filters concatenated with a 2x2 max-pool, then
            BatchNorm and PReLU) and the encoder's bottlenecks (1x1 or 2x2/2 projection, a regular, dilated or
            asymmetric 5x1+1x5 convolution, 1x1 expansion; BatchNorm and PReLU after each; spatial dropout; a
            max-pooling main branch whose indices the decoder would use, zero-padded to the new width) through
            stage 3, followed for ImageNet classification by global average pooling and a 128->1000 linear layer.
ENet-ImageNet  e-lab/imagenet-multiGPU.torch models/enet-ImageNet.lua ("ENet version 14 == for ImageNet", by
            Culurciello and Paszke): the variant the study's own lab trained on ImageNet: the same initial block and
            bottleneck shape, only regular 3x3 bottlenecks, widths 64-128-256-512-1024 down to 7x7, 7x7 average
            pooling and a 1024->1000 classifier.

The classifiers end with logits (the Torch files end with LogSoftMax, which changes no ranking; torchvision's models
end with logits too). Convolutions keep the bias the Torch files give them (Torch convolutions have one unless
:noBias() is called), so the BatchNorm fold of the eval export sees both biased and bias-free convolutions.
"""

import torch
import torch.nn.functional as F
from torch import nn


class BNAlexNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()

        def conv_bn(cin, cout, kernel, stride, padding):
            return [nn.Conv2d(cin, cout, kernel, stride, padding), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *conv_bn(3, 64, 11, 4, 2), nn.MaxPool2d(3, 2),       # 224 -> 55 -> 27
            *conv_bn(64, 192, 5, 1, 2), nn.MaxPool2d(3, 2),      # 27 -> 13
            *conv_bn(192, 384, 3, 1, 1),
            *conv_bn(384, 256, 3, 1, 1),
            *conv_bn(256, 256, 3, 1, 1), nn.MaxPool2d(3, 2))     # 13 -> 6
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.BatchNorm1d(4096, eps=1e-3), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.BatchNorm1d(4096, eps=1e-3), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BNNIN(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()

        def block(cin, cout, kernel, stride, padding):
            layers = [nn.Conv2d(cin, cout, kernel, stride, padding), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(True)]
            for _ in range(2):
                layers += [nn.Conv2d(cout, cout, 1), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(True)]
            return layers

        self.features = nn.Sequential(
            *block(3, 96, 11, 4, 5), nn.MaxPool2d(3, 2, 1),      # 224 -> 56 -> 28
            *block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2, 1),     # 28 -> 14
            *block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2, 1),    # 14 -> 7
            *block(384, 1024, 3, 1, 1),
            nn.AvgPool2d(7, 1))                                  # 7 -> 1
        self.classifier = nn.Linear(1024, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class ENetInitialBlock(nn.Module):
    """3x3/2 convolution (13 filters) beside a 2x2/2 max-pool of the input, concatenated to 16 channels."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 3, stride=2, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.bn = nn.BatchNorm2d(16, eps=1e-3)
        self.prelu = nn.PReLU(16)

    def forward(self, x):
        return self.prelu(self.bn(torch.cat([self.conv(x), self.pool(x)], 1)))


class ENetBottleneck(nn.Module):
    """ENet's bottleneck: extension branch projection -> conv -> expansion, added to the (pooled, zero-padded) input.

    kind: "regular" (3x3), "dilated" (3x3 with the given dilation) or "asymmetric" (1x5 then 5x1).
    downsample: the projection is a 2x2/2 convolution and the main branch a 2x2/2 max-pool that returns its indices
    (ENet's decoder unpools with them; the classifier ignores them, so the export drops them).
    """

    def __init__(self, cin, cout, kind="regular", dilation=1, downsample=False, dropout=0.1, internal_ratio=4):
        super().__init__()
        internal = cout // internal_ratio
        stride = 2 if downsample else 1
        self.project = nn.Sequential(nn.Conv2d(cin, internal, stride, stride, bias=False),
                                     nn.BatchNorm2d(internal, eps=1e-3), nn.PReLU(internal))
        if kind == "asymmetric":
            convs = [nn.Conv2d(internal, internal, (1, 5), padding=(0, 2), bias=False),
                     nn.Conv2d(internal, internal, (5, 1), padding=(2, 0))]
        elif kind == "dilated":
            convs = [nn.Conv2d(internal, internal, 3, padding=dilation, dilation=dilation)]
        elif kind == "regular":
            convs = [nn.Conv2d(internal, internal, 3, padding=1)]
        else:
            raise ValueError(kind)
        self.conv = nn.Sequential(*convs, nn.BatchNorm2d(internal, eps=1e-3), nn.PReLU(internal))
        self.expand = nn.Sequential(nn.Conv2d(internal, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3),
                                    nn.Dropout2d(dropout))
        self.pool = nn.MaxPool2d(2, 2, return_indices=True) if downsample else None
        self.extra_channels = cout - cin
        self.activation = nn.PReLU(cout)

    def forward(self, x):
        main = x
        if self.pool is not None:
            main, _indices = self.pool(main)
        if self.extra_channels:
            main = F.pad(main, (0, 0, 0, 0, 0, self.extra_channels))
        return self.activation(main + self.expand(self.conv(self.project(x))))


class ENet(nn.Module):
    """ENet's encoder (initial block, stages 1-3 of Paszke et al. 2016, Table 1) with a classification head."""

    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [ENetInitialBlock(),
                  ENetBottleneck(16, 64, downsample=True, dropout=0.01)]                      # bottleneck1.0
        layers += [ENetBottleneck(64, 64, dropout=0.01) for _ in range(4)]                     # bottleneck1.1-1.4
        layers.append(ENetBottleneck(64, 128, downsample=True))                                # bottleneck2.0
        for _stage in (2, 3):                                                                  # bottleneck2.1-3.8
            layers += [ENetBottleneck(128, 128),
                       ENetBottleneck(128, 128, "dilated", 2),
                       ENetBottleneck(128, 128, "asymmetric"),
                       ENetBottleneck(128, 128, "dilated", 4),
                       ENetBottleneck(128, 128),
                       ENetBottleneck(128, 128, "dilated", 8),
                       ENetBottleneck(128, 128, "asymmetric"),
                       ENetBottleneck(128, 128, "dilated", 16)]
        self.encoder = nn.Sequential(*layers)                                                  # 224 -> 28
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.encoder(x)), 1))


class ENetImageNet(nn.Module):
    """e-lab's ImageNet ENet (enet-ImageNet.lua): regular bottlenecks only, 16 -> 64 -> ... -> 1024 channels."""

    def __init__(self, num_classes=1000):
        super().__init__()
        # (input width, output width, downsample); the Lua file's first five bottlenecks drop with p = 0.01
        widths = [(16, 64, True), (64, 128, False), (128, 128, False)]                  # 224 -> 112 -> 56
        for width in (128, 256, 512):                                                   # 28, 14, 7
            widths += [(width, 2 * width, True), (2 * width, 2 * width, False), (2 * width, 2 * width, False)]
        layers = [ENetInitialBlock()]
        for i, (cin, cout, downsample) in enumerate(widths):
            layers.append(ENetBottleneck(cin, cout, downsample=downsample, dropout=0.01 if i < 5 else 0.1,
                                         internal_ratio=1 if i == 0 else 4))
        self.features = nn.Sequential(*layers, nn.AvgPool2d(7, 1))
        self.classifier = nn.Linear(1024, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


# The builders the manifest names as zoo_models.NAME (like torchvision's model builders).
def bn_alexnet(num_classes=1000):
    return BNAlexNet(num_classes)


def bn_nin(num_classes=1000):
    return BNNIN(num_classes)


def enet(num_classes=1000):
    return ENet(num_classes)


def enet_imagenet(num_classes=1000):
    return ENetImageNet(num_classes)


from token_models import bert_base, gpt2_small  # noqa: E402  (the token models, next to this file)

BUILDERS = {f.__name__: f for f in (bn_alexnet, bn_nin, enet, enet_imagenet, bert_base, gpt2_small)}
