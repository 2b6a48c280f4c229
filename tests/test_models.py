"""ResNets, heads and losses of ulproofs.deep.models (tiny, CPU)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ulproofs.core.errors import AssumptionError
from ulproofs.core.etf import etf_deviation
from ulproofs.core.precision import float_tolerance
from ulproofs.deep.models import (
    ARCHITECTURES,
    CrossProcessBatchNorm2d,
    LinearHead,
    PrototypeAnchoredHead,
    UnhingedHead,
    count_parameters,
    feature_penalty,
    make_head,
    per_example_objective,
    resnet18,
    resnet34,
    resnet50,
    resnet_digits,
    unhinged_loss,
)

TORCHVISION_PARAMETERS = {resnet18: 11_689_512, resnet34: 21_797_672, resnet50: 25_557_032}


@pytest.fixture(autouse=True)
def one_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.mark.parametrize("build", list(TORCHVISION_PARAMETERS))
def test_parameter_counts_equal_torchvision(build):
    assert count_parameters(build(1000, layout="imagenet")) == TORCHVISION_PARAMETERS[build]


def test_cifar_layout_parameter_count():
    # the 3x3 stem replaces 7x7 x 3 x 64 weights by 3x3 x 3 x 64; the 10-class head is smaller
    assert count_parameters(resnet18(10)) == 11_689_512 - 9408 + 1728 - 513_000 + 5130
    assert count_parameters(resnet_digits(10)) == 308_538


@pytest.mark.parametrize("arch", ["resnet18", "resnet34", "resnet50"])
@pytest.mark.parametrize("layout, size", [("cifar", 16), ("imagenet", 64)])
def test_shapes(arch, layout, size):
    model = ARCHITECTURES[arch](7, layout=layout, width=0.125, in_channels=2)
    expansion = 4 if arch == "resnet50" else 1
    assert model.feature_dim == 64 * expansion
    features, logits = model(torch.randn(3, 2, size, size), return_features=True)
    assert features.shape == (3, model.feature_dim) and logits.shape == (3, 7)
    model.eval()
    assert model(torch.zeros(1, 2, size, size)).shape == (1, 7)


def test_digits_model_on_8x8():
    model = resnet_digits(10)
    assert model(torch.randn(4, 1, 8, 8)).shape == (4, 10)


def test_removing_the_relu_before_the_head_removes_exactly_the_last_one():
    torch.manual_seed(0)
    plain = resnet18(10, width=0.125)
    torch.manual_seed(0)
    pal = resnet18(10, width=0.125, relu_before_head=False)
    assert plain.state_dict().keys() == pal.state_dict().keys()
    blocks = [block for stage in pal.stages for block in stage]
    assert [block.final_relu for block in blocks] == [True] * (len(blocks) - 1) + [False]
    pre_activation = []
    blocks[-1].register_forward_hook(lambda module, inputs, output: pre_activation.append(output))
    x = torch.randn(4, 3, 16, 16)
    plain.eval(), pal.eval()
    with torch.no_grad():
        features = pal.forward_features(x)
        assert torch.allclose(features, pre_activation[0].mean((2, 3)), atol=1e-6)
        assert torch.allclose(plain.forward_features(x), F.relu(pre_activation[0]).mean((2, 3)), atol=1e-6)
    assert features.min() < 0 <= plain.forward_features(x).min()


def test_unhinged_loss_by_hand():
    logits = torch.tensor([[0.5, -1.0, 2.0, 0.25], [3.0, 1.0, -2.0, 0.0]])
    targets = torch.tensor([2, 0])
    gamma = 0.3
    by_hand = [-float(z[y]) + gamma * sum(float(z[j]) for j in range(4) if j != y) for z, y in zip(logits, targets)]
    assert unhinged_loss(logits, targets, gamma, "none").tolist() == pytest.approx(by_hand, rel=1e-6)
    assert unhinged_loss(logits, targets, gamma).item() == pytest.approx(np.mean(by_hand), rel=1e-6)
    assert unhinged_loss(logits, targets, gamma, "sum").item() == pytest.approx(np.sum(by_hand), rel=1e-6)
    with pytest.raises(AssumptionError, match="gamma >= 0"):
        unhinged_loss(logits, targets, -0.1)


def test_unhinged_head_bias_gradient_vanishes_at_default_gamma():
    head = UnhingedHead(5, 4)
    assert head.gamma == pytest.approx(1 / 3)
    targets = torch.arange(4).repeat(3)                    # class-balanced batch
    logits = head(torch.randn(12, 5))
    head.per_example_loss(logits, targets).mean().backward()
    # Eq. 5: db/dt is proportional to (1 + gamma - gamma C) / C = 0 at gamma = 1/(C-1)
    assert head.bias.grad.abs().max() < 1e-6
    assert head.weight.grad.abs().max() > 0


def test_linear_head_is_cross_entropy():
    head = LinearHead(5, 3)
    features, targets = torch.randn(6, 5), torch.tensor([0, 1, 2, 0, 1, 2])
    logits = head(features)
    assert torch.allclose(head.per_example_loss(logits, targets), F.cross_entropy(logits, targets, reduction="none"))
    assert torch.equal(head.prototypes(), head.weight.detach().T)


def test_prototype_anchored_head_is_a_fixed_simplex_etf():
    head = PrototypeAnchoredHead(16, 10, scale=2.0, seed=3)
    assert count_parameters(head) == 0 and not head.weight.requires_grad
    assert "weight" in head.state_dict()
    W = head.prototypes().double().numpy()                 # p x C
    assert W.shape == (16, 10)
    assert etf_deviation(W) < float_tolerance("float32", operations=2 * 16 + 2 * 10)
    assert np.allclose(np.linalg.norm(W, axis=0), 2.0, rtol=1e-6)
    assert torch.equal(head.weight, PrototypeAnchoredHead(16, 10, scale=2.0, seed=3).weight)
    assert head.gamma == pytest.approx(1 / 9)
    assert head(torch.randn(2, 16)).shape == (2, 10)


def test_pal_model_trains_features_but_not_prototypes():
    model = resnet_digits(10, relu_before_head=False, head=PrototypeAnchoredHead(128, 10))
    before = model.head.weight.clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)
    features, logits = model(torch.randn(8, 1, 8, 8), return_features=True)
    per_example_objective(model.head, features, logits, torch.arange(8) % 10).mean().backward()
    optimizer.step()
    assert torch.equal(model.head.weight, before)
    assert model.stem[0].weight.grad is not None


def test_fnpal_normalizes_features():
    head = PrototypeAnchoredHead(6, 4, normalize_features=True)
    h = torch.randn(3, 6)
    assert torch.allclose(head(h), head(7.5 * h), atol=1e-6)
    assert torch.allclose(head(h), (h / h.norm(dim=1, keepdim=True)) @ head.prototypes(), atol=1e-6)


@pytest.mark.parametrize("loss", ["ce", "unhinged", "ul-pal", "ul-fnpal"])
def test_rlr_gradient_is_the_plain_gradient_times_the_feature_norm(loss):
    torch.manual_seed(1)
    head = make_head(loss, 6, 4)
    h = torch.randn(5, 6, requires_grad=True)
    targets = torch.tensor([0, 1, 2, 3, 0])

    def gradient(rlr):
        h.grad = None
        per_example_objective(head, h, head(h), targets, rlr=rlr).sum().backward()
        return h.grad.clone()

    plain, rescaled = gradient(False), gradient(True)
    assert torch.allclose(rescaled, plain * h.detach().norm(dim=1, keepdim=True), rtol=1e-5, atol=1e-7)


def test_feature_penalty_and_its_gradient():
    h = torch.tensor([[3.0, 4.0], [1.0, -2.0]], requires_grad=True)
    penalty = feature_penalty(h)
    assert penalty.tolist() == [25.0, 5.0]
    penalty.sum().backward()
    assert torch.equal(h.grad, 2 * h.detach())


def test_head_runs_in_float32_under_autocast():
    model = resnet18(10, width=0.125)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        features, logits = model(torch.randn(2, 3, 16, 16), return_features=True)
    assert features.dtype == logits.dtype == torch.float32


def test_cross_process_batch_norm_without_a_process_group_is_batch_norm():
    torch.manual_seed(0)
    reference, ours = torch.nn.BatchNorm2d(3), CrossProcessBatchNorm2d(3)
    x = torch.randn(4, 3, 5, 5)
    assert torch.equal(reference(x), ours(x))
    assert torch.equal(reference.running_var, ours.running_var)


def test_bad_arguments_name_the_assumption():
    with pytest.raises(AssumptionError, match="layout"):
        resnet18(10, layout="mobile")
    with pytest.raises(AssumptionError, match="loss must be one of"):
        make_head("hinge", 8, 3)
    with pytest.raises(AssumptionError, match="p >= C-1"):
        PrototypeAnchoredHead(4, 10)
