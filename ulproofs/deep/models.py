r"""ResNets, classification heads and the losses of Section 4 (no torchvision: written here).

Networks
--------
:class:`ResNet` with :class:`BasicBlock` (ResNet-18/34) or :class:`Bottleneck` (ResNet-50) in two
layouts:

* ``layout="imagenet"``: torchvision's ResNet v1.5 (7x7 stride-2 stem, 3x3 stride-2 max-pool, the
  stride of a bottleneck on its 3x3 convolution); with 1000 classes the parameter counts equal
  torchvision's (11,689,512 / 21,797,672 / 25,557,032);
* ``layout="cifar"``: the same stages after a 3x3 stride-1 stem and no max-pool, for 32x32 inputs.

``width`` multiplies every channel count (64, 128, 256, 512 at width 1), ``in_channels`` is the
number of image channels. :meth:`ResNet.forward_features` returns the p-dimensional feature
f(x) (global average pool of the last stage; p = 512 x width, times 4 for ResNet-50) and
:meth:`ResNet.forward` the logits of ``model.head``.

``relu_before_head=False`` (PAL/FNPAL, App. C.2 "we remove the ReLU layer before the linear
classifier") removes exactly one ReLU: the one applied after the shortcut addition of the **last
residual block of the last stage**. Every other ReLU stays, and the global average pool (linear)
follows as before, so the features are the spatial mean of that block's pre-activation
``bn(conv(...)) + shortcut`` and may be negative, as a simplex-ETF target needs.

Heads and losses
----------------
Logits z = W^T h + b with W = [w_1..w_C] in R^{p x C} (the paper's layout; stored C x p as in
``nn.Linear``, :meth:`LinearHead.prototypes` returns the p x C matrix).

* :class:`LinearHead`: learnable W, b, cross-entropy;
* :class:`UnhingedHead`: learnable W, b, the unhinged loss of Eq. 1 (Fig. 19's "plain UL");
* :class:`PrototypeAnchoredHead`: W fixed to ``scale`` x a seeded simplex ETF
  (:func:`ulproofs.core.etf.simplex_etf`, a buffer: no gradient, saved in the state dict), no bias,
  unhinged loss (PAL); ``normalize_features=True`` feeds h/||h|| instead of h (FNPAL).

:func:`unhinged_loss` is Eq. 1, :math:`-z_y+\gamma\sum_{j\ne y}z_j`;
:func:`per_example_objective` adds the rescaled learning rate of Sec. 4.3 (RLR: each example's loss
times ||f(x)|| with the gradient stopped, footnote 15) and :func:`feature_penalty` gives the
||f(x)||^2 of the explicit feature regularisation of Sec. 4.2 (how it is summed over a batch is the
training loop's business: :mod:`ulproofs.deep.train`).

>>> import torch
>>> model = resnet18(num_classes=10, width=0.125)
>>> features, logits = model(torch.zeros(2, 3, 32, 32), return_features=True)
>>> tuple(features.shape), tuple(logits.shape), model.feature_dim
((2, 64), (2, 10), 64)
>>> unhinged_loss(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0]), gamma=0.5).item()  # -1 + 0.5*(2+3)
1.5
"""
from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from ..core.errors import AssumptionError
from ..core.etf import simplex_etf
from ..core.validation import real_number

LAYOUTS = ("cifar", "imagenet")


def _conv3x3(in_planes, planes, stride=1):
    return nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)


def _shortcut(in_planes, planes, stride):
    if stride == 1 and in_planes == planes:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(planes))


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut (ResNet-18/34). ``final_relu=False`` returns the
    pre-activation sum ``bn2(conv2(...)) + shortcut(x)``."""

    expansion = 1

    def __init__(self, in_planes, planes, stride=1, final_relu=True):
        super().__init__()
        self.conv1 = _conv3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = _shortcut(in_planes, planes, stride)
        self.final_relu = final_relu

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out)) + self.shortcut(x)
        return F.relu(out) if self.final_relu else out


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride, as torchvision's v1.5), 1x1 expand by 4, and a shortcut
    (ResNet-50). ``final_relu=False`` returns the pre-activation sum."""

    expansion = 4

    def __init__(self, in_planes, planes, stride=1, final_relu=True):
        super().__init__()
        out_planes = planes * self.expansion
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.shortcut = _shortcut(in_planes, out_planes, stride)
        self.final_relu = final_relu

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out)) + self.shortcut(x)
        return F.relu(out) if self.final_relu else out


class ResNet(nn.Module):
    """A four-stage ResNet whose last layer is a swappable ``head`` (default :class:`LinearHead`).

    ``blocks``: residual blocks per stage (e.g. (2, 2, 2, 2) for ResNet-18). Convolutions get
    Kaiming-normal (fan-out) initialisation and batch norms weight 1, bias 0, as torchvision's.
    """

    def __init__(self, block, blocks, num_classes=10, *, layout="cifar", in_channels=3, width=1.0,
                 relu_before_head=True, head=None):
        super().__init__()
        if layout not in LAYOUTS:
            raise AssumptionError(f"layout must be one of {LAYOUTS} (got {layout!r})")
        if len(blocks) != 4 or min(blocks) < 1:
            raise AssumptionError(f"a ResNet here has four stages of at least one block (got {blocks!r})")
        base = round(64 * width)
        if base < 1:
            raise AssumptionError(f"width {width} leaves fewer than one channel in the first stage")
        self.layout = layout
        if layout == "imagenet":
            self.stem = nn.Sequential(nn.Conv2d(in_channels, base, kernel_size=7, stride=2, padding=3, bias=False),
                                      nn.BatchNorm2d(base), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        else:
            self.stem = nn.Sequential(_conv3x3(in_channels, base), nn.BatchNorm2d(base), nn.ReLU(inplace=True))
        stages, in_planes = [], base
        for index, count in enumerate(blocks):
            planes = base * 2 ** index
            layers = []
            for position in range(count):
                last_block = index == 3 and position == count - 1
                layers.append(block(in_planes, planes, stride=2 if index > 0 and position == 0 else 1,
                                    final_relu=relu_before_head or not last_block))
                in_planes = planes * block.expansion
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.feature_dim = in_planes
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        self.head = head if head is not None else LinearHead(self.feature_dim, num_classes)

    def forward_features(self, x):
        """f(x): the (batch, p) global average pool of the last stage."""
        return torch.flatten(F.adaptive_avg_pool2d(self.stages(self.stem(x)), 1), 1)

    def forward(self, x, return_features=False):
        """Logits (batch, C); with ``return_features`` the pair (features, logits).

        The head runs in float32 (or float64) even under autocast: the unhinged logits are linear
        in the features, whose norm can grow without bound (Fig. 19), beyond half precision's range.
        """
        features = self.forward_features(x)
        features = features.to(torch.promote_types(features.dtype, torch.float32))
        with torch.autocast(x.device.type, enabled=False):
            logits = self.head(features)
        return (features, logits) if return_features else logits


def resnet18(num_classes=10, **options):
    """ResNet-18 (BasicBlock, 2-2-2-2). Options: layout, in_channels, width, relu_before_head, head."""
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes, **options)


def resnet34(num_classes=10, **options):
    """ResNet-34 (BasicBlock, 3-4-6-3)."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes, **options)


def resnet50(num_classes=10, **options):
    """ResNet-50 (Bottleneck, 3-4-6-3; p = 2048 x width)."""
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes, **options)


def resnet_digits(num_classes=10, **options):
    """The small preset for scikit-learn's 8x8 digits: one BasicBlock per stage at width 1/4
    (16-32-64-128 channels, p = 128), CIFAR stem, one input channel; 8x8 -> 1x1 over the four
    stages. 308,538 parameters with 10 classes."""
    options = {"layout": "cifar", "in_channels": 1, "width": 0.25, **options}
    return ResNet(BasicBlock, (1, 1, 1, 1), num_classes, **options)


ARCHITECTURES = {"resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50, "resnet_digits": resnet_digits}


def unhinged_loss(logits, targets, gamma, reduction="mean"):
    r"""Eq. 1: :math:`L_\gamma(z, y) = -z_y + \gamma\sum_{j\ne y} z_j`, per example or averaged.

    ``reduction``: "mean" (the objective's 1/(CN) average), "sum" or "none".

    >>> import torch
    >>> unhinged_loss(torch.tensor([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]]), torch.tensor([2, 1]), 0.5,
    ...               reduction="none").tolist()
    [-1.5, -1.0]
    """
    if gamma < 0:
        raise AssumptionError(f"the unhinged loss needs gamma >= 0 (Eq. 1; got {gamma})")
    target_logit = logits.gather(1, targets[:, None]).squeeze(1)
    losses = gamma * logits.sum(1) - (1 + gamma) * target_logit
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.mean()
    raise AssumptionError(f"reduction must be 'mean', 'sum' or 'none' (got {reduction!r})")


def default_gamma(num_classes):
    """gamma = 1/(C-1): with it the bias gradient (1 + gamma - gamma C)/C of Eq. 5 vanishes."""
    return 1.0 / (num_classes - 1)


class LinearHead(nn.Module):
    """z = W^T h + b with learnable W (stored C x p) and b, trained with cross-entropy."""

    def __init__(self, in_features, num_classes, bias=True):
        super().__init__()
        layer = nn.Linear(in_features, num_classes, bias=bias)   # nn.Linear's uniform initialisation
        self.weight, self.bias = layer.weight, layer.bias

    def forward(self, features):
        return F.linear(features, self.weight, self.bias)

    def prototypes(self):
        """W as the paper's p x C matrix (columns are the class prototypes), detached."""
        return self.weight.detach().T

    def per_example_loss(self, logits, targets):
        return F.cross_entropy(logits, targets, reduction="none")


class UnhingedHead(LinearHead):
    """Learnable W and b trained with the unhinged loss of Eq. 1 (gamma default 1/(C-1))."""

    def __init__(self, in_features, num_classes, gamma=None, bias=True):
        super().__init__(in_features, num_classes, bias=bias)
        self.gamma = default_gamma(num_classes) if gamma is None else real_number("gamma", gamma, low=0)

    def per_example_loss(self, logits, targets):
        return unhinged_loss(logits, targets, self.gamma, reduction="none")


class PrototypeAnchoredHead(nn.Module):
    """PAL: z = W^T h with W = ``scale`` x simplex ETF (seeded, fixed, a buffer) and no bias;
    unhinged loss with gamma default 1/(C-1). ``normalize_features=True`` is FNPAL: z = W^T h/||h||.

    >>> import torch
    >>> head = PrototypeAnchoredHead(4, 3, normalize_features=True)
    >>> head.weight.requires_grad, sum(p.numel() for p in head.parameters())
    (False, 0)
    >>> z = head(torch.tensor([[3.0, 0.0, 4.0, 0.0]]))
    >>> bool(torch.allclose(z, head(torch.tensor([[0.6, 0.0, 0.8, 0.0]]))))
    True
    """

    def __init__(self, in_features, num_classes, scale=1.0, seed=0, gamma=None, normalize_features=False):
        super().__init__()
        etf = simplex_etf(in_features, num_classes, scale=scale, seed=seed)
        self.register_buffer("weight", torch.as_tensor(etf.T, dtype=torch.float32).contiguous())
        self.gamma = default_gamma(num_classes) if gamma is None else real_number("gamma", gamma, low=0)
        self.normalize_features = normalize_features

    def forward(self, features):
        if self.normalize_features:
            features = F.normalize(features, dim=1)
        return F.linear(features, self.weight)

    def prototypes(self):
        return self.weight.T

    def per_example_loss(self, logits, targets):
        return unhinged_loss(logits, targets, self.gamma, reduction="none")


def make_head(loss, in_features, num_classes, gamma=None, etf_scale=1.0, etf_seed=0):
    """The head of a training objective: "ce", "unhinged" (plain UL, learnable W), "ul-pal", "ul-fnpal"."""
    if loss == "ce":
        return LinearHead(in_features, num_classes)
    if loss == "unhinged":
        return UnhingedHead(in_features, num_classes, gamma=gamma)
    if loss in ("ul-pal", "ul-fnpal"):
        return PrototypeAnchoredHead(in_features, num_classes, scale=etf_scale, seed=etf_seed, gamma=gamma,
                                     normalize_features=loss == "ul-fnpal")
    raise AssumptionError(f"loss must be one of 'ce', 'unhinged', 'ul-pal', 'ul-fnpal' (got {loss!r})")


def per_example_objective(head, features, logits, targets, rlr=False):
    """Per-example training losses of ``head`` given the network's features and logits.

    ``rlr`` (Sec. 4.3, footnote 15): each loss is multiplied by ||f(x)|| with the gradient stopped,
    so the gradient reaching f(x) is ||f(x)|| times the plain one: the per-example learning-rate
    rescaling that undoes FNPAL's 1/||f(x)|| (Eq. 19).
    """
    losses = head.per_example_loss(logits, targets)
    if rlr:
        losses = losses * features.detach().norm(dim=1)
    return losses


def feature_penalty(features):
    """||f(x)||^2 per example: the summand of the explicit feature regularisation (Sec. 4.2)."""
    return features.pow(2).sum(1)


class _AllReduceSum(torch.autograd.Function):
    """Sum over processes; the gradient of every process's input is the sum of the output gradients."""

    @staticmethod
    def forward(ctx, tensor):
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad):
        total = grad.clone()
        dist.all_reduce(total)
        return total


class CrossProcessBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are those of the global batch over all processes.

    torch's ``nn.SyncBatchNorm`` runs on GPUs only; this one works with any backend (gloo on CPU)
    by all-reducing per-channel sums and counts, then sums of squared deviations, in an
    autograd function whose backward all-reduces the gradients. Outside training or without an initialised
    process group it is an ordinary BatchNorm2d.
    """

    def forward(self, x):
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        channels = x.shape[1]
        count = x.new_full((1,), x.numel() // channels)
        totals = _AllReduceSum.apply(torch.cat([x.sum((0, 2, 3)), count]))
        n = totals[-1]
        mean = totals[:channels] / n
        # two passes (mean, then squared deviations): E[x^2] - E[x]^2 and its backward cancel badly
        centered = x - mean.view(1, channels, 1, 1)
        var = _AllReduceSum.apply(centered.pow(2).sum((0, 2, 3))) / n
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                momentum = self.momentum if self.momentum is not None else 1.0 / self.num_batches_tracked.item()
                self.running_mean.lerp_(mean, momentum)
                self.running_var.lerp_(var * n / (n - 1), momentum)
        shape = (1, channels, 1, 1)
        out = centered * torch.rsqrt(var + self.eps).view(shape)
        return out * self.weight.view(shape) + self.bias.view(shape) if self.affine else out


def synchronize_batch_norm(model, device_type):
    """Batch norms computed over the global batch under DDP: torch's SyncBatchNorm on CUDA,
    :class:`CrossProcessBatchNorm2d` elsewhere. Returns the (possibly new) model."""
    if device_type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for name, child in model.named_children():
        if isinstance(child, nn.BatchNorm2d) and not isinstance(child, CrossProcessBatchNorm2d):
            replacement = CrossProcessBatchNorm2d(child.num_features, child.eps, child.momentum, child.affine,
                                                  child.track_running_stats)
            replacement.load_state_dict(child.state_dict())
            setattr(model, name, replacement)
        else:
            synchronize_batch_norm(child, device_type)
    return model


def count_parameters(model, trainable_only=False):
    """Number of parameters (buffers such as batch-norm statistics and a PAL prototype frame excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
