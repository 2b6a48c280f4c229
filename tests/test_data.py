"""Data readers, imbalance and augmentation: tiny files in the exact CIFAR / SVHN formats written and read back."""
import pickle

import numpy as np
import pytest
import scipy.io
import torch

from ulproofs.core.errors import AssumptionError
from ulproofs.deep.data import (
    ImageDataset,
    augment,
    imbalance,
    imbalanced_counts,
    load_cifar,
    load_digits_dataset,
    load_image_folder,
    load_svhn_mat,
    write_cifar_batches,
    write_svhn_mat,
)


def random_dataset(n, num_classes, seed, size=32, channels=3, name="toy"):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, size, size, channels), dtype=np.uint8)
    labels = rng.integers(0, num_classes, size=n)
    return ImageDataset(images, labels, [f"class_{c}" for c in range(num_classes)], name)


def assert_same(a, b):
    assert a.images.dtype == np.uint8 and a.labels.dtype == np.int64
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.classes == b.classes


# ---------------------------------------------------------------------------------------------------- CIFAR

@pytest.mark.parametrize("name, num_classes, folder", [("cifar10", 10, "cifar-10-batches-py"),
                                                       ("cifar100", 100, "cifar-100-python")])
def test_cifar_round_trip(tmp_path, name, num_classes, folder):
    train, test = random_dataset(13, num_classes, 0), random_dataset(4, num_classes, 1)
    written = write_cifar_batches(tmp_path, train, test, name=name)
    assert written == tmp_path / folder
    for root in (tmp_path, written):  # the folder containing the batches folder, or the batches folder itself
        back_train, back_test = load_cifar(root, name, train=True), load_cifar(root, name, train=False)
        assert_same(back_train, train)
        assert_same(back_test, test)
        assert (back_train.name, back_test.name) == (f"{name}-train", f"{name}-test")


def test_cifar10_files_follow_the_standard_layout(tmp_path):
    train, test = random_dataset(12, 10, 0), random_dataset(3, 10, 1)
    folder = write_cifar_batches(tmp_path, train, test)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"])
    with open(folder / "test_batch", "rb") as f:
        batch = pickle.load(f, encoding="bytes")  # how the original (Python 2) files are read
    assert {b"batch_label", b"labels", b"data", b"filenames"} <= set(batch)
    data = batch[b"data"]
    assert data.dtype == np.uint8 and data.shape == (3, 3072) and isinstance(batch[b"labels"], list)
    # row layout: 1024 red values, then green, then blue; each plane row-major over the 32x32 image
    image = test.images[1]
    assert data[1, 0] == image[0, 0, 0] and data[1, 1] == image[0, 1, 0] and data[1, 32] == image[1, 0, 0]
    assert data[1, 1024] == image[0, 0, 1] and data[1, 2048 + 5] == image[0, 5, 2]
    with open(folder / "batches.meta", "rb") as f:
        meta = pickle.load(f, encoding="bytes")
    assert meta[b"label_names"] == [c.encode() for c in train.classes]
    assert sum(len(pickle.load(open(folder / f"data_batch_{i}", "rb"), encoding="bytes")[b"labels"])
               for i in range(1, 6)) == 12


def test_cifar100_files_follow_the_standard_layout(tmp_path):
    folder = write_cifar_batches(tmp_path, random_dataset(5, 100, 0), random_dataset(2, 100, 1), name="cifar100")
    assert sorted(p.name for p in folder.iterdir()) == ["meta", "test", "train"]
    batch = pickle.load(open(folder / "train", "rb"), encoding="bytes")
    assert {b"fine_labels", b"coarse_labels", b"data", b"filenames", b"batch_label"} <= set(batch)
    assert len(pickle.load(open(folder / "meta", "rb"), encoding="bytes")[b"fine_label_names"]) == 100


def test_cifar_missing_paths_name_the_layout(tmp_path):
    with pytest.raises(AssumptionError, match="data_batch_1.*data_batch_5, test_batch, batches.meta"):
        load_cifar(tmp_path / "nowhere", "cifar10")
    with pytest.raises(AssumptionError, match="missing CIFAR file .*batches.meta.*expected layout"):
        load_cifar(tmp_path, "cifar10")
    with pytest.raises(AssumptionError, match=r"cifar-100-python/\{train, test, meta\}"):
        load_cifar(tmp_path, "cifar100")
    folder = write_cifar_batches(tmp_path, random_dataset(10, 10, 0), random_dataset(2, 10, 1))
    (folder / "data_batch_3").unlink()
    with pytest.raises(AssumptionError, match="missing CIFAR file .*data_batch_3"):
        load_cifar(tmp_path, "cifar10", train=True)
    assert len(load_cifar(tmp_path, "cifar10", train=False)) == 2
    with pytest.raises(AssumptionError, match="name must be one of"):
        load_cifar(tmp_path, "cifar20")


def test_cifar_malformed_files_are_reported(tmp_path):
    folder = write_cifar_batches(tmp_path, random_dataset(10, 10, 0), random_dataset(2, 10, 1))
    (folder / "test_batch").write_bytes(b"not a pickle at all")
    with pytest.raises(AssumptionError, match="is not a CIFAR python batch.*expected layout"):
        load_cifar(tmp_path, "cifar10", train=False)
    pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, open(folder / "test_batch", "wb"))
    with pytest.raises(AssumptionError, match=r"uint8 of shape \(n, 3072\)"):
        load_cifar(tmp_path, "cifar10", train=False)
    pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, open(folder / "test_batch", "wb"))
    with pytest.raises(AssumptionError, match="one label per row"):
        load_cifar(tmp_path, "cifar10", train=False)
    pickle.dump({b"data": np.zeros((2, 3072), np.uint8)}, open(folder / "test_batch", "wb"))
    with pytest.raises(AssumptionError, match="no key 'labels'"):
        load_cifar(tmp_path, "cifar10", train=False)
    pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, open(folder / "test_batch", "wb"))
    with pytest.raises(AssumptionError, match="labels must lie in range"):
        load_cifar(tmp_path, "cifar10", train=False)
    pickle.dump({b"label_names": [b"a", b"b"]}, open(folder / "batches.meta", "wb"))
    with pytest.raises(AssumptionError, match="must list 10 classes"):
        load_cifar(tmp_path, "cifar10", train=False)


def python2_pickle(batch_label, data, labels):
    """A batch assembled opcode by opcode as Python 2's cPickle wrote the original CIFAR files (py2 str = bytes)."""
    def text(s):
        return b"U" + bytes([len(s)]) + s if len(s) < 256 else b"T" + len(s).to_bytes(4, "little") + s

    def small(i):
        return b"K" + bytes([i])

    n = data.shape[0]
    array = (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + small(0) + b"\x85" + text(b"b") + b"\x87R("
             + small(1) + b"M" + n.to_bytes(2, "little") + b"M" + (3072).to_bytes(2, "little") + b"\x86"
             + b"cnumpy\ndtype\n" + text(b"u1") + small(0) + small(1) + b"\x87R(" + small(3) + text(b"|")
             + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xff" + small(0) + b"tb\x89" + text(data.tobytes()) + b"tb")
    return (b"\x80\x02}(" + text(b"batch_label") + text(batch_label) + text(b"data") + array
            + text(b"labels") + b"](" + b"".join(small(int(v)) for v in labels) + b"eu.")


def test_cifar_reads_python2_pickles(tmp_path):
    test = random_dataset(3, 10, 1)
    folder = write_cifar_batches(tmp_path, random_dataset(10, 10, 0), test)
    data = test.images.transpose(0, 3, 1, 2).reshape(3, 3072)
    (folder / "test_batch").write_bytes(python2_pickle(b"testing batch 1 of 1", data, test.labels))
    assert_same(load_cifar(tmp_path, "cifar10", train=False), test)


class RunsCode:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_cifar_batches_cannot_run_code(tmp_path, capsys):
    folder = write_cifar_batches(tmp_path, random_dataset(10, 10, 0), random_dataset(2, 10, 1))
    pickle.dump({b"data": RunsCode(), b"labels": [0]}, open(folder / "test_batch", "wb"))
    with pytest.raises(AssumptionError, match="not allowed in a CIFAR batch"):
        load_cifar(tmp_path, "cifar10", train=False)
    assert "must never run" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------- SVHN

def test_svhn_round_trip_and_format(tmp_path):
    digits = random_dataset(7, 10, 2)
    digits = ImageDataset(digits.images, np.array([0, 1, 2, 9, 0, 5, 3]), [str(d) for d in range(10)], "svhn")
    path = write_svhn_mat(tmp_path / "test_32x32.mat", digits)
    raw = scipy.io.loadmat(path)
    assert raw["X"].shape == (32, 32, 3, 7) and raw["X"].dtype == np.uint8 and raw["y"].shape == (7, 1)
    assert raw["y"].ravel().tolist() == [10, 1, 2, 9, 10, 5, 3]  # digit 0 is stored as 10
    np.testing.assert_array_equal(raw["X"][:, :, :, 3], digits.images[3])
    back = load_svhn_mat(path)
    assert_same(back, digits)
    assert back.name == "svhn-test_32x32"


def test_svhn_errors_name_the_format(tmp_path):
    with pytest.raises(AssumptionError, match=r"missing SVHN file.*X: uint8 \(32, 32, 3, N\)"):
        load_svhn_mat(tmp_path / "test_32x32.mat")
    (tmp_path / "garbage.mat").write_bytes(b"\x00" * 300)
    with pytest.raises(AssumptionError, match="not a readable MATLAB file"):
        load_svhn_mat(tmp_path / "garbage.mat")
    scipy.io.savemat(tmp_path / "no_y.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8)})
    with pytest.raises(AssumptionError, match="lacks 'X' or 'y'"):
        load_svhn_mat(tmp_path / "no_y.mat")
    scipy.io.savemat(tmp_path / "bad_y.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[0], [3]])})
    with pytest.raises(AssumptionError, match="y must lie in 1..10"):
        load_svhn_mat(tmp_path / "bad_y.mat")
    scipy.io.savemat(tmp_path / "bad_x.mat", {"X": np.zeros((32, 32, 3, 3), np.uint8), "y": np.array([[1], [3]])})
    with pytest.raises(AssumptionError, match="y has 2 labels"):
        load_svhn_mat(tmp_path / "bad_x.mat")


# ---------------------------------------------------------------------------------------------------- folders

def test_image_folder_takes_the_first_classes_in_sorted_order(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for class_name in ("n03", "n01", "n02"):
        (tmp_path / class_name).mkdir()
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(tmp_path / class_name / f"{i}.png")
    (tmp_path / "n01" / "notes.txt").write_text("not an image")
    data = load_image_folder(tmp_path, first=2, size=8, workers=2)
    assert data.classes == ["n01", "n02"] and data.labels.tolist() == [0, 0, 1, 1]
    assert data.images.shape == (4, 8, 8, 3) and data.images.dtype == np.uint8
    every = load_image_folder(tmp_path, first=None, size=8)
    assert every.classes == ["n01", "n02", "n03"] and len(every) == 6
    again = load_image_folder(tmp_path, classes=["n03"], size=8)
    np.testing.assert_array_equal(again.images, every.images[4:])
    with pytest.raises(AssumptionError, match="3 class folders, fewer than the first=100"):
        load_image_folder(tmp_path, size=8)
    with pytest.raises(AssumptionError, match=r"missing under .*expected layout: root/<class folder>"):
        load_image_folder(tmp_path, classes=["n09"], size=8)
    with pytest.raises(AssumptionError, match="does not exist"):
        load_image_folder(tmp_path / "absent")
    (tmp_path / "n00").mkdir()
    with pytest.raises(AssumptionError, match="holds no images"):
        load_image_folder(tmp_path, first=1, size=8)


# ---------------------------------------------------------------------------------------------------- digits

def rows(dataset):
    """The examples as sorted (pixels..., label) tuples: compares data sets as multisets."""
    return sorted(map(tuple, np.c_[dataset.images.reshape(len(dataset), -1), dataset.labels].tolist()))


def test_digits_shapes_split_and_determinism():
    train, test = load_digits_dataset(train=True), load_digits_dataset(train=False)
    assert train.images.shape == (1347, 8, 8, 1) and test.images.shape == (450, 8, 8, 1)
    assert train.images.dtype == np.uint8 and train.images.max() == 255 and train.images.min() == 0
    assert train.classes == [str(d) for d in range(10)] and (train.name, test.name) == ("digits-train", "digits-test")
    from sklearn.datasets import load_digits

    full = load_digits()
    total = np.bincount(full.target, minlength=10)
    np.testing.assert_array_equal(test.class_counts(), np.round(0.25 * total).astype(int))  # stratified
    np.testing.assert_array_equal(train.class_counts() + test.class_counts(), total)
    # the union is exactly the data set: every original image appears once (as multiset of rows + labels)
    scaled = np.rint(full.images * 255 / 16).astype(np.uint8).reshape(1797, -1)
    assert sorted(rows(train) + rows(test)) == sorted(map(tuple, np.c_[scaled, full.target].tolist()))
    assert_same(load_digits_dataset(train=True, seed=0), train)
    assert not np.array_equal(load_digits_dataset(train=False, seed=1).images, test.images)
    assert len(load_digits_dataset(train=False, test_fraction=0.5)) == int(np.round(0.5 * total).sum())
    with pytest.raises(AssumptionError, match="test_fraction"):
        load_digits_dataset(test_fraction=1.0)


def test_to_tensor_standardizes_per_channel():
    data = random_dataset(20, 3, 0, size=5)
    x = data.to_tensor()
    assert x.shape == (20, 3, 5, 5) and x.dtype == torch.float32
    torch.testing.assert_close(x.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(x.std(dim=(0, 2, 3), unbiased=False), torch.ones(3), atol=1e-5, rtol=0)
    raw = data.to_tensor(normalize=False)
    assert raw.min() >= 0 and raw.max() <= 1
    mean, std = data.channel_stats()
    torch.testing.assert_close(data.to_tensor(mean=[0.5] * 3, std=[0.25] * 3), (raw - 0.5) / 0.25)
    np.testing.assert_allclose(mean, data.images.reshape(-1, 3).mean(0) / 255, rtol=1e-12)
    np.testing.assert_allclose(std, data.images.reshape(-1, 3).std(0) / 255, rtol=1e-9)
    with pytest.raises(AssumptionError, match="one value per channel"):
        data.to_tensor(mean=[0.5], std=[0.2])


def test_dataset_validation():
    with pytest.raises(AssumptionError, match="uint8"):
        ImageDataset(np.zeros((2, 4, 4, 3)), np.array([0, 1]), ["a", "b"], "x")
    with pytest.raises(AssumptionError, match="labels must have shape"):
        ImageDataset(np.zeros((2, 4, 4, 3), np.uint8), np.array([0]), ["a", "b"], "x")
    with pytest.raises(AssumptionError, match="range"):
        ImageDataset(np.zeros((2, 4, 4, 3), np.uint8), np.array([0, 2]), ["a", "b"], "x")


# ---------------------------------------------------------------------------------------------------- imbalance

def balanced(per_class, num_classes):
    labels = np.repeat(np.arange(num_classes), per_class)
    images = (np.arange(len(labels)) % 251).astype(np.uint8).reshape(-1, 1, 1, 1)  # tiny, but traceable
    return ImageDataset(images, labels, [str(c) for c in range(num_classes)], "train")


@pytest.mark.parametrize("num_classes, per_class, rho, profile, total", [
    # CIFAR-10-LT / CIFAR-100-LT sizes of Cao et al. (2019) and Cui et al. (2019)
    (10, 5000, 100, "exponential", 12406), (10, 5000, 50, "exponential", 13996),
    (10, 5000, 10, "exponential", 20431), (100, 500, 100, "exponential", 10847),
    (100, 500, 10, "exponential", 19573), (10, 5000, 100, "step", 25250), (100, 500, 10, "step", 27500),
])
def test_imbalance_counts_match_the_literature(num_classes, per_class, rho, profile, total):
    data = balanced(per_class, num_classes)
    subset = imbalance(data, rho, profile)
    counts = subset.class_counts()
    assert counts.sum() == total and counts.tolist() == imbalanced_counts(per_class, num_classes, rho, profile)
    assert counts[0] == per_class and counts[-1] == int(per_class / rho)
    assert counts.max() / counts.min() == pytest.approx(rho, rel=0.02)
    if profile == "step":
        assert set(counts[: num_classes - num_classes // 2]) == {per_class}


def test_imbalance_counts_cifar10():
    assert imbalanced_counts(5000, 10, 100) == [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    assert imbalanced_counts(5000, 10, 20, "step") == [5000] * 5 + [250] * 5
    assert imbalanced_counts(7, 3, 7, "step") == [7, 7, 1]


def test_imbalance_is_a_seeded_subset_leaving_the_input_unchanged():
    train, test = load_digits_dataset(True), load_digits_dataset(False)
    train_images, train_labels, test_images = train.images.copy(), train.labels.copy(), test.images.copy()
    subset = imbalance(train, 20, "exponential", seed=3)
    np.testing.assert_array_equal(train.images, train_images)
    np.testing.assert_array_equal(train.labels, train_labels)
    assert_same(load_digits_dataset(False), test)
    np.testing.assert_array_equal(test.images, test_images)
    assert_same(imbalance(train, 20, "exponential", seed=3), subset)
    assert not np.array_equal(imbalance(train, 20, "exponential", seed=4).images, subset.images)
    # every kept example is an original example with its own label, none repeated
    rows = {tuple(r): label for r, label in zip(train.images.reshape(len(train), -1).tolist(), train.labels.tolist())}
    kept = [tuple(r) for r in subset.images.reshape(len(subset), -1).tolist()]
    assert all(rows[r] == label for r, label in zip(kept, subset.labels.tolist()))
    assert len(set(kept)) == len(kept) == sum(imbalanced_counts(130, 10, 20))  # n_max = smallest class, 130
    assert subset.name == "digits-train-exponential-rho20"
    assert_same(imbalance(train, 1), train)


def test_imbalance_rejects_bad_parameters():
    train = balanced(10, 4)
    for rho in (0.5, 0, -3, float("nan"), float("inf")):
        with pytest.raises(AssumptionError, match="rho"):
            imbalance(train, rho)
    with pytest.raises(AssumptionError, match="profile"):
        imbalance(train, 10, "linear")
    empty_class = ImageDataset(train.images, np.minimum(train.labels, 2), train.classes, "x")
    with pytest.raises(AssumptionError, match="every class needs examples"):
        imbalance(empty_class, 10)


# ---------------------------------------------------------------------------------------------------- augment

def test_augment_is_seeded_and_shifts_or_flips_each_image():
    batch = torch.randn(16, 3, 8, 8)
    first = augment(batch, 2, True, torch.Generator().manual_seed(7))
    assert first.shape == batch.shape and first.dtype == batch.dtype
    torch.testing.assert_close(augment(batch, 2, True, torch.Generator().manual_seed(7)), first, rtol=0, atol=0)
    assert not torch.equal(augment(batch, 2, True, torch.Generator().manual_seed(8)), first)
    padded = torch.nn.functional.pad(batch, (2, 2, 2, 2))
    for image, out in zip(padded, first):
        candidates = [crop for dy in range(5) for dx in range(5) for crop in
                      (image[:, dy:dy + 8, dx:dx + 8], image[:, dy:dy + 8, dx:dx + 8].flip(-1))]
        assert any(torch.equal(out, crop) for crop in candidates)
    flipped = augment(batch, 0, True, torch.Generator().manual_seed(1))
    is_flipped = [torch.equal(o, b.flip(-1)) for o, b in zip(flipped, batch)]
    assert all(f or torch.equal(o, b) for f, o, b in zip(is_flipped, flipped, batch)) and 0 < sum(is_flipped) < 16
    shifted = augment(torch.ones(64, 1, 6, 6), 3, False, torch.Generator().manual_seed(0))
    assert len({int(s.sum()) for s in shifted}) > 3 and shifted.sum(dim=(1, 2, 3)).min() >= 9
    torch.testing.assert_close(augment(batch, 0, False), batch, rtol=0, atol=0)
    channels_last = augment(batch.contiguous(memory_format=torch.channels_last), 2, True,
                            torch.Generator().manual_seed(7))
    assert channels_last.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(channels_last, first, rtol=0, atol=0)
    with pytest.raises(AssumptionError, match="shift"):
        augment(batch, -1)
    with pytest.raises(AssumptionError, match="float tensor"):
        augment(batch[0])
