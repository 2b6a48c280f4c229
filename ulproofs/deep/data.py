"""Image data sets of Section 4 and Appendix C, read from local files (nothing is downloaded).

Every reader returns an :class:`ImageDataset`: ``images`` uint8 of shape (N, H, W, C) and ``labels`` int64.

* :func:`load_cifar`: CIFAR-10 / CIFAR-100 "python version" pickle batches.
* :func:`load_svhn_mat`: SVHN cropped digits ``test_32x32.mat`` (the OOD set of Tables 3 and 6).
* :func:`load_image_folder`: an ImageNet-style ``root/<class>/<image>`` tree; ImageNet-100 is the first 100
  class folders in sorted order.
* :func:`load_digits_dataset`: scikit-learn's 8x8 digits, which ship inside scikit-learn: the data set that runs
  anywhere.
* :func:`imbalance`: long-tailed (exponential) and step imbalanced training subsets with ratio rho.
* :func:`augment`: random shift (pad + crop) and horizontal flip of a float batch.
* :func:`write_cifar_batches`, :func:`write_svhn_mat`: writers of the exact standard formats (tests, tiny fixtures).

>>> train = load_digits_dataset(train=True)
>>> train.images.shape, train.images.dtype, len(train.classes)
((1347, 8, 8, 1), dtype('uint8'), 10)
>>> x = train.to_tensor()
>>> tuple(x.shape), abs(float(x.mean())) < 1e-6       # standardised; the sign of a rounded 0 varies
((1347, 1, 8, 8), True)
"""
from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.errors import AssumptionError

CIFAR_LAYOUTS = {
    "cifar10": ("cifar-10-batches-py",
                ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"),
                "test_batch", "batches.meta"),
    "cifar100": ("cifar-100-python", ("train",), "test", "meta"),
}
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".bmp", ".ppm", ".webp")


@dataclass
class ImageDataset:
    """Images with integer labels.

    ``images``: uint8 array (N, H, W, C) (channels last, as stored on disk); ``labels``: int64 array (N,) with values
    in ``range(len(classes))``; ``classes``: class names, index = label; ``name``: e.g. ``"cifar10-train"``.

    >>> d = ImageDataset(np.zeros((2, 4, 4, 3), np.uint8), np.array([0, 1]), ["a", "b"], "toy")
    >>> len(d), tuple(d.to_tensor(normalize=False).shape)
    (2, (2, 3, 4, 4))
    """

    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    name: str

    def __post_init__(self):
        self.images = np.asarray(self.images)
        self.labels = np.asarray(self.labels).astype(np.int64, copy=False)
        self.classes = [str(c) for c in self.classes]
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise AssumptionError(f"images must be a uint8 array of shape (N, H, W, C) "
                                  f"(got {self.images.dtype} of shape {self.images.shape})")
        if self.labels.shape != (self.images.shape[0],):
            raise AssumptionError(f"labels must have shape (N,) = ({self.images.shape[0]},) "
                                  f"(got {self.labels.shape})")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.classes)):
            raise AssumptionError(f"labels must lie in range(len(classes)) = range({len(self.classes)}) "
                                  f"(got min {self.labels.min()}, max {self.labels.max()})")

    def __len__(self):
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        """Number of examples per class, shape (len(classes),)."""
        return np.bincount(self.labels, minlength=len(self.classes))

    def channel_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel mean and standard deviation of the pixels scaled to [0, 1], float64 arrays of shape (C,).

        Computed exactly from per-channel histograms of the 256 pixel values, chunk by chunk (no float copy).
        """
        channels = self.images.shape[3]
        histogram = np.zeros((channels, 256), dtype=np.int64)
        for start in range(0, len(self), 4096):
            chunk = self.images[start:start + 4096]
            for c in range(channels):
                histogram[c] += np.bincount(chunk[..., c].ravel(), minlength=256)
        values = np.arange(256) / 255.0
        weights = histogram / histogram.sum(axis=1, keepdims=True)
        mean = weights @ values
        return mean, np.sqrt(weights @ values ** 2 - mean ** 2).clip(min=0.0)

    def to_tensor(self, normalize: bool = True, mean=None, std=None) -> torch.Tensor:
        """Float32 tensor (N, C, H, W) of the pixels scaled to [0, 1], then standardized per channel.

        ``mean``/``std`` (length C, in [0, 1] units) default to this data set's own :meth:`channel_stats`; pass the
        training set's statistics when converting a test set. A constant channel (std 0) is only centred.
        """
        x = torch.from_numpy(self.images).permute(0, 3, 1, 2).contiguous().float()
        if not normalize:
            return x.div_(255.0)
        if mean is None or std is None:
            own_mean, own_std = self.channel_stats()
            mean = own_mean if mean is None else mean
            std = own_std if std is None else std
        mean, std = np.asarray(mean, np.float64).reshape(-1), np.asarray(std, np.float64).reshape(-1)
        if len(mean) != x.shape[1] or len(std) != x.shape[1]:
            raise AssumptionError(f"mean and std need one value per channel ({x.shape[1]})")
        std = np.where(std > 0, std, 1.0)
        # (x / 255 - mean) / std as one in-place affine map: x * scale + shift
        scale = torch.as_tensor(1.0 / (255.0 * std), dtype=torch.float32).reshape(1, -1, 1, 1)
        shift = torch.as_tensor(-mean / std, dtype=torch.float32).reshape(1, -1, 1, 1)
        return x.mul_(scale).add_(shift)

    def subset(self, indices, name: str | None = None) -> ImageDataset:
        """The examples at ``indices`` (a copy: integer-array indexing copies), same classes."""
        indices = np.asarray(indices, dtype=np.int64)
        return ImageDataset(self.images[indices], self.labels[indices], list(self.classes),
                            self.name if name is None else name)


# ----------------------------------------------------------------------------------------------------------------
# CIFAR-10 / CIFAR-100 python batches

def _cifar_layout_text(name: str) -> str:
    folder, train_files, test_file, meta_file = CIFAR_LAYOUTS[name]
    files = ", ".join((*train_files, test_file, meta_file))
    return f"<root>/{folder}/{{{files}}} (root may also be the {folder} folder itself)"


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR batches: only NumPy array reconstruction is allowed, so a file cannot run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def _read_batch(path: Path, layout: str) -> dict:
    if not path.is_file():
        raise AssumptionError(f"missing CIFAR file {path}; expected layout: {layout}")
    try:
        with open(path, "rb") as f:
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except Exception as error:  # any unpickling failure means the file is not a CIFAR batch
        raise AssumptionError(f"{path} is not a CIFAR python batch ({error}); expected layout: {layout}") from error
    if not isinstance(batch, dict):
        raise AssumptionError(f"{path} must hold a dict; expected layout: {layout}")
    # keys are bytes in the original files (pickled by Python 2); accept re-pickled str keys as well
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in batch.items()}


def _field(batch: dict, key: str, path: Path, layout: str):
    if key not in batch:
        raise AssumptionError(f"{path} has no key {key!r} (keys: {sorted(batch)}); expected layout: {layout}")
    return batch[key]


def _decode(names) -> list[str]:
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]


def _find_cifar_folder(root, name: str) -> Path:
    if name not in CIFAR_LAYOUTS:
        raise AssumptionError(f"name must be one of {sorted(CIFAR_LAYOUTS)} (got {name!r})")
    root = Path(root)
    folder = CIFAR_LAYOUTS[name][0]
    if (root / folder).is_dir():
        return root / folder
    if root.is_dir():
        return root
    raise AssumptionError(f"CIFAR root {root} does not exist; expected layout: {_cifar_layout_text(name)}")


def load_cifar(root, name: str = "cifar10", train: bool = True) -> ImageDataset:
    """CIFAR-10 or CIFAR-100 from the standard "python version" pickle batches.

    Layout (the archives ``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz`` unpacked)::

        cifar10:  <root>/cifar-10-batches-py/{data_batch_1, ..., data_batch_5, test_batch, batches.meta}
        cifar100: <root>/cifar-100-python/{train, test, meta}

    ``root`` may be the folder containing ``cifar-10-batches-py`` / ``cifar-100-python`` or that folder itself.
    Each batch is a dict with ``b'data'`` (uint8, (n, 3072): 1024 red, 1024 green, 1024 blue values, rows of the
    32x32 image in order) and ``b'labels'`` (CIFAR-10) or ``b'fine_labels'`` (CIFAR-100, the 100-class labels used
    here). Class names come from ``b'label_names'`` / ``b'fine_label_names'`` of the meta file. Only NumPy arrays
    are unpickled, so a crafted file cannot run code. A missing or malformed file raises
    :class:`~ulproofs.core.errors.AssumptionError` naming the expected layout.

    >>> import tempfile
    >>> toy = ImageDataset(np.arange(2 * 32 * 32 * 3, dtype=np.uint8).reshape(2, 32, 32, 3), np.array([3, 7]),
    ...                    [f"class{i}" for i in range(10)], "toy")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_cifar_batches(tmp, toy, toy, name="cifar10")
    ...     back = load_cifar(tmp, "cifar10", train=False)
    >>> back.name, back.labels.tolist(), bool((back.images == toy.images).all())
    ('cifar10-test', [3, 7], True)
    """
    folder = _find_cifar_folder(root, name)
    layout = _cifar_layout_text(name)
    _, train_files, test_file, meta_file = CIFAR_LAYOUTS[name]
    label_key, names_key = ("labels", "label_names") if name == "cifar10" else ("fine_labels", "fine_label_names")
    meta_path = folder / meta_file
    classes = _decode(_field(_read_batch(meta_path, layout), names_key, meta_path, layout))
    expected_classes = 10 if name == "cifar10" else 100
    if len(classes) != expected_classes:
        raise AssumptionError(f"{meta_path}: {names_key!r} must list {expected_classes} classes (got {len(classes)}); "
                              f"expected layout: {layout}")
    images, labels = [], []
    for file_name in (train_files if train else (test_file,)):
        path = folder / file_name
        batch = _read_batch(path, layout)
        data = np.asarray(_field(batch, "data", path, layout))
        batch_labels = np.asarray(_field(batch, label_key, path, layout))
        if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
            raise AssumptionError(f"{path}: 'data' must be uint8 of shape (n, 3072) (got {data.dtype} {data.shape}); "
                                  f"expected layout: {layout}")
        if batch_labels.shape != (data.shape[0],):
            raise AssumptionError(f"{path}: {label_key!r} must hold one label per row of 'data' "
                                  f"({data.shape[0]}, got {batch_labels.shape}); expected layout: {layout}")
        images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(batch_labels.astype(np.int64))
    split = "train" if train else "test"
    return ImageDataset(np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels), classes,
                        f"{name}-{split}")


def _write_pickle(path: Path, obj) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def _cifar_batch(dataset: ImageDataset, batch_label: str, label_key: str, extra: dict) -> dict:
    if dataset.images.shape[1:] != (32, 32, 3):
        raise AssumptionError(f"CIFAR batches hold 32x32 RGB images (got shape {dataset.images.shape[1:]})")
    return {
        b"batch_label": batch_label.encode(),
        label_key.encode(): [int(v) for v in dataset.labels],
        b"data": np.ascontiguousarray(dataset.images.transpose(0, 3, 1, 2).reshape(len(dataset), 3072)),
        b"filenames": [f"image_{i:06d}.png".encode() for i in range(len(dataset))],
        **extra,
    }


def write_cifar_batches(folder, dataset_train: ImageDataset, dataset_test: ImageDataset,
                        name: str = "cifar10") -> Path:
    """Write ``dataset_train``/``dataset_test`` as the standard CIFAR python batches under ``folder``.

    Creates ``folder/cifar-10-batches-py`` (the training set split over ``data_batch_1..5``) or
    ``folder/cifar-100-python`` and returns it. Pickled with protocol 2 and bytes keys, like the original files.
    For CIFAR-100 the coarse labels are unknown here: every image gets coarse label 0 of a single coarse class.
    """
    if name not in CIFAR_LAYOUTS:
        raise AssumptionError(f"name must be one of {sorted(CIFAR_LAYOUTS)} (got {name!r})")
    expected_classes = 10 if name == "cifar10" else 100
    for dataset in (dataset_train, dataset_test):
        if len(dataset.classes) != expected_classes:
            raise AssumptionError(f"{name} has {expected_classes} classes (got {len(dataset.classes)})")
    subfolder, train_files, test_file, meta_file = CIFAR_LAYOUTS[name]
    out = Path(folder) / subfolder
    out.mkdir(parents=True, exist_ok=True)
    class_names = [c.encode() for c in dataset_train.classes]
    if name == "cifar10":
        parts = np.array_split(np.arange(len(dataset_train)), len(train_files))
        for i, (file_name, part) in enumerate(zip(train_files, parts), start=1):
            batch = _cifar_batch(dataset_train.subset(part), f"training batch {i} of 5", "labels", {})
            _write_pickle(out / file_name, batch)
        _write_pickle(out / test_file, _cifar_batch(dataset_test, "testing batch 1 of 1", "labels", {}))
        _write_pickle(out / meta_file, {b"num_cases_per_batch": max(len(p) for p in parts),
                                        b"label_names": class_names, b"num_vis": 3072})
    else:
        for dataset, file_name, label in ((dataset_train, train_files[0], "training"),
                                          (dataset_test, test_file, "testing")):
            coarse = {b"coarse_labels": [0] * len(dataset)}
            _write_pickle(out / file_name, _cifar_batch(dataset, f"{label} batch 1 of 1", "fine_labels", coarse))
        _write_pickle(out / meta_file, {b"fine_label_names": class_names, b"coarse_label_names": [b"all"]})
    return out


# ----------------------------------------------------------------------------------------------------------------
# SVHN

SVHN_LAYOUT = ("a MATLAB file such as test_32x32.mat (cropped digits, format 2) holding X: uint8 (32, 32, 3, N) "
               "and y: (N, 1) with labels 1..10, where 10 means digit 0")


def load_svhn_mat(path) -> ImageDataset:
    """SVHN cropped digits from ``test_32x32.mat`` / ``train_32x32.mat`` (read with :func:`scipy.io.loadmat`).

    ``X`` has shape (32, 32, 3, N) and ``y`` shape (N, 1) with labels 1..10; label 10 is digit 0, so the returned
    labels are the digits 0..9 and ``classes`` is ``["0", ..., "9"]``.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise AssumptionError(f"missing SVHN file {path}; expected {SVHN_LAYOUT}")
    try:
        mat = scipy.io.loadmat(path)
    except Exception as error:  # scipy raises several types for a file that is not a MATLAB file
        raise AssumptionError(f"{path} is not a readable MATLAB file ({error}); expected {SVHN_LAYOUT}") from error
    if "X" not in mat or "y" not in mat:
        raise AssumptionError(f"{path} lacks 'X' or 'y' (keys: {sorted(k for k in mat if not k.startswith('__'))}); "
                              f"expected {SVHN_LAYOUT}")
    images, digits = np.asarray(mat["X"]), np.asarray(mat["y"]).reshape(-1)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[2] != 3 or images.shape[3] != len(digits):
        raise AssumptionError(f"{path}: X is {images.dtype} {images.shape}, y has {len(digits)} labels; "
                              f"expected {SVHN_LAYOUT}")
    if len(digits) and (digits.min() < 1 or digits.max() > 10):
        raise AssumptionError(f"{path}: y must lie in 1..10 (got {digits.min()}..{digits.max()}); "
                              f"expected {SVHN_LAYOUT}")
    return ImageDataset(np.ascontiguousarray(images.transpose(3, 0, 1, 2)), digits.astype(np.int64) % 10,
                        [str(d) for d in range(10)], f"svhn-{path.stem}")


def write_svhn_mat(path, dataset: ImageDataset) -> Path:
    """Write ``dataset`` (digit labels 0..9) in the SVHN format read by :func:`load_svhn_mat` (digit 0 stored as 10)."""
    import scipy.io

    if len(dataset.classes) != 10:
        raise AssumptionError(f"SVHN has 10 digit classes (got {len(dataset.classes)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    digits = np.where(dataset.labels == 0, 10, dataset.labels).astype(np.uint8).reshape(-1, 1)
    scipy.io.savemat(path, {"X": np.ascontiguousarray(dataset.images.transpose(1, 2, 3, 0)), "y": digits})
    return path


# ----------------------------------------------------------------------------------------------------------------
# ImageNet-style class folders

def _read_image(path: Path, size: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        scale = size / min(image.size)
        width, height = max(size, round(image.width * scale)), max(size, round(image.height * scale))
        image = image.resize((width, height), Image.BILINEAR)
        left, top = (width - size) // 2, (height - size) // 2
        return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)


def load_image_folder(root, classes=None, first: int | None = 100, size: int = 224, workers: int = 8,
                      name: str | None = None) -> ImageDataset:
    """An ImageNet-style tree ``root/<class folder>/<image files>`` as an in-memory :class:`ImageDataset`.

    Class list rule (ImageNet-100 = "the first 100 classes of ImageNet"): unless ``classes`` is given, the classes
    are the first ``first`` class folder names of ``root`` in sorted (lexicographic) order, i.e. the WordNet ids
    ``n01440764``, ``n01443537``, ... of ImageNet's train folder; ``first=None`` takes all folders. Pass the
    training set's ``classes`` when reading the validation folder (which must use the same class-folder layout), so
    labels agree. Images (``.jpeg .jpg .png .bmp .ppm .webp``, any case) are decoded with Pillow (a dependency of
    matplotlib), converted to RGB, resized so the shorter side is ``size`` and centre-cropped to ``size x size``.
    Memory is N * size^2 * 3 bytes: about 19.7 GB for ImageNet-100's 130k training images at size 224.
    """
    root = Path(root)
    layout = "root/<class folder>/<image files .jpeg/.jpg/.png/...>, e.g. imagenet/train/n01440764/*.JPEG"
    if not root.is_dir():
        raise AssumptionError(f"image folder {root} does not exist; expected layout: {layout}")
    folders = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
    if classes is None:
        if first is not None and len(folders) < first:
            raise AssumptionError(f"{root} has {len(folders)} class folders, fewer than the first={first} requested; "
                                  f"expected layout: {layout}")
        classes = folders if first is None else folders[:first]
    classes = [str(c) for c in classes]
    missing = [c for c in classes if c not in folders]
    if missing:
        raise AssumptionError(f"class folders {missing[:5]} missing under {root}; expected layout: {layout}")
    files, labels = [], []
    for label, class_name in enumerate(classes):
        class_files = sorted(p for p in (root / class_name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not class_files:
            raise AssumptionError(f"class folder {root / class_name} holds no images {IMAGE_SUFFIXES}; "
                                  f"expected layout: {layout}")
        files += class_files
        labels += [label] * len(class_files)
    # Pillow releases the GIL while decoding, so threads read images in parallel
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        images = np.stack(list(pool.map(lambda p: _read_image(p, size), files)))
    return ImageDataset(images, np.array(labels, dtype=np.int64), classes, name or f"{root.parent.name}-{root.name}")


# ----------------------------------------------------------------------------------------------------------------
# scikit-learn digits

def load_digits_dataset(train: bool = True, seed: int = 0, test_fraction: float = 0.25) -> ImageDataset:
    """scikit-learn's handwritten digits (1797 images, 8x8 grayscale, 10 classes) split into train or test.

    Pixels 0..16 are scaled to uint8 0..255 (``round(x * 255 / 16)``); shape (N, 8, 8, 1). The split is
    stratified and seeded: in each class, ``round(test_fraction * n_c)`` examples, chosen by a permutation from
    ``numpy.random.default_rng(seed)``, form the test set. Both sets are returned in the original order.

    >>> train, test = load_digits_dataset(True), load_digits_dataset(False)
    >>> len(train), len(test), len(train) + len(test)
    (1347, 450, 1797)
    """
    from sklearn.datasets import load_digits

    if not 0.0 < test_fraction < 1.0:
        raise AssumptionError(f"test_fraction must lie in (0, 1) (got {test_fraction})")
    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    labels = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    is_test = np.zeros(len(labels), dtype=bool)
    for c in range(10):
        members = np.flatnonzero(labels == c)
        is_test[rng.permutation(members)[:round(test_fraction * len(members))]] = True
    keep = ~is_test if train else is_test
    return ImageDataset(images[keep], labels[keep], [str(c) for c in range(10)],
                        "digits-train" if train else "digits-test")


def parse_classes(text, num_classes: int, name: str = "classes") -> list[int]:
    """Class indices from a comma-separated string (or a sequence of ints), checked against ``num_classes``.

    Empty lists, duplicates, indices outside 0..num_classes-1 and non-integers raise
    :class:`~ulproofs.core.errors.AssumptionError` naming ``name``.

    >>> parse_classes("0, 2,5", 10)
    [0, 2, 5]
    >>> parse_classes("3,12", 10, "held_out")
    Traceback (most recent call last):
    ...
    ulproofs.core.errors.AssumptionError: held_out names classes that do not exist: [12] (classes are 0..9)
    """
    items = [t.strip() for t in text.split(",") if t.strip()] if isinstance(text, str) else list(text)
    try:
        classes = [int(t) for t in items]
    except (TypeError, ValueError):
        raise AssumptionError(f"{name} must be comma-separated class indices (got {text!r})") from None
    if not classes:
        raise AssumptionError(f"{name} must name at least one class (got {text!r})")
    missing = sorted(c for c in classes if not 0 <= c < num_classes)
    if missing:
        raise AssumptionError(f"{name} names classes that do not exist: {missing} (classes are 0..{num_classes - 1})")
    if len(set(classes)) != len(classes):
        raise AssumptionError(f"{name} repeats a class (got {classes})")
    return classes


def restrict_classes(dataset: ImageDataset, classes) -> ImageDataset:
    """The examples of ``classes`` (see :func:`parse_classes`), relabelled 0..k-1 in the order given; k >= 2.

    >>> d = ImageDataset(np.zeros((4, 1, 1, 1), np.uint8), np.array([0, 1, 2, 1]), ["a", "b", "c"], "toy")
    >>> kept = restrict_classes(d, "2,1")
    >>> kept.labels.tolist(), kept.classes, kept.name
    ([1, 0, 1], ['c', 'b'], 'toy-classes2,1')
    """
    chosen = parse_classes(classes, len(dataset.classes))
    if len(chosen) < 2:
        raise AssumptionError(f"classes must name at least two classes to classify (got {chosen})")
    relabel = np.full(len(dataset.classes), -1, dtype=np.int64)
    relabel[chosen] = np.arange(len(chosen))
    keep = np.flatnonzero(relabel[dataset.labels] >= 0)
    return ImageDataset(dataset.images[keep], relabel[dataset.labels[keep]], [dataset.classes[c] for c in chosen],
                        f"{dataset.name}-classes{','.join(map(str, chosen))}")


# ----------------------------------------------------------------------------------------------------------------
# Imbalance

def imbalanced_counts(n_max: int, num_classes: int, rho: float, profile: str = "exponential") -> list[int]:
    """Examples per class of a long-tailed or step-imbalanced set (Cui et al. 2019; Buda et al. 2018; Cao et al. 2019).

    ``exponential``: ``n_c = int(n_max * (1/rho) ** (c / (C - 1)))`` for c = 0..C-1, so n_0 = n_max and
    n_{C-1} = n_max / rho. ``step``: the last ``C // 2`` classes (the minority) get ``int(n_max / rho)``, the others
    n_max. Integer truncation as in Cao et al.'s IMBALANCECIFAR code.

    >>> imbalanced_counts(5000, 10, 100)
    [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    >>> imbalanced_counts(5000, 10, 10, "step")
    [5000, 5000, 5000, 5000, 5000, 500, 500, 500, 500, 500]
    """
    if not (np.isfinite(rho) and rho >= 1):
        raise AssumptionError(f"the imbalance ratio rho = n_max / n_min must be a finite number >= 1 (got {rho})")
    if num_classes < 2:
        raise AssumptionError(f"imbalance needs at least two classes (got {num_classes})")
    if profile == "exponential":
        return [int(n_max * (1.0 / rho) ** (c / (num_classes - 1.0))) for c in range(num_classes)]
    if profile == "step":
        minority = num_classes // 2
        return [int(n_max)] * (num_classes - minority) + [int(n_max * (1.0 / rho))] * minority
    raise AssumptionError(f"profile must be 'exponential' or 'step' (got {profile!r})")


def imbalance(dataset: ImageDataset, rho: float, profile: str = "exponential", seed: int = 0) -> ImageDataset:
    """A long-tailed (``"exponential"``) or ``"step"`` imbalanced subset of a training set; apply to TRAIN only.

    n_max is the smallest class count of ``dataset`` (5000 on CIFAR-10, 500 on CIFAR-100), so every class can supply
    its quota :func:`imbalanced_counts`; class c keeps the first n_c of its indices shuffled by
    ``numpy.random.RandomState(seed)`` (classes in label order, as in Cao et al.'s code). ``rho = 1`` returns the
    full set unchanged (the paper's balanced column). The input is not modified; the test set stays as it is.

    >>> train = load_digits_dataset(train=True)
    >>> imbalance(train, rho=10).class_counts().tolist()
    [130, 100, 77, 60, 46, 36, 28, 21, 16, 13]
    """
    counts = imbalanced_counts(0, len(dataset.classes), rho, profile)  # validates rho, profile, classes
    if rho == 1:
        return dataset.subset(np.arange(len(dataset)), name=f"{dataset.name}-{profile}-rho1")
    present = dataset.class_counts()
    if present.min() == 0:
        raise AssumptionError(f"every class needs examples before imbalancing (class counts {present.tolist()})")
    counts = imbalanced_counts(int(present.min()), len(dataset.classes), rho, profile)
    rng = np.random.RandomState(seed)
    chosen = []
    for c, n_c in enumerate(counts):
        members = np.flatnonzero(dataset.labels == c)
        rng.shuffle(members)
        chosen.append(members[:n_c])
    return dataset.subset(np.concatenate(chosen), name=f"{dataset.name}-{profile}-rho{rho:g}")


# ----------------------------------------------------------------------------------------------------------------
# Augmentation

def augment(batch: torch.Tensor, shift: int = 4, flip: bool = True,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Random shift and horizontal flip of a float batch (N, C, H, W), one draw per image.

    Shift: zero-pad ``shift`` pixels on every side and crop H x W at a uniformly random offset, i.e. translate by
    (dy, dx) in {-shift..shift}^2 with zeros filling in (on a standardized batch zero is the mean colour). Flip:
    mirror left-right with probability 1/2. Random numbers come from ``generator`` (on its device; the global
    generator when None), so a seeded generator gives the same batch every time. A channels-last batch stays
    channels-last.

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> torch.equal(augment(x, shift=0, flip=False), x)
    True
    >>> g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    >>> torch.equal(augment(x, 2, True, g1), augment(x, 2, True, g2))
    True
    """
    if not (isinstance(batch, torch.Tensor) and batch.ndim == 4 and batch.is_floating_point()):
        raise AssumptionError("augment expects a float tensor batch of shape (N, C, H, W)")
    if isinstance(shift, bool) or not isinstance(shift, int) or shift < 0:
        raise AssumptionError(f"shift must be a non-negative integer number of pixels (got {shift!r})")
    if shift == 0 and not flip:
        return batch
    n, c, h, w = batch.shape
    device = generator.device if generator is not None else torch.device("cpu")
    offsets = torch.randint(0, 2 * shift + 1, (2, n), generator=generator, device=device).to(batch.device)
    columns = torch.arange(w, device=batch.device).expand(n, w)
    if flip:
        mirrored = torch.rand(n, generator=generator, device=device).to(batch.device) < 0.5
        columns = torch.where(mirrored[:, None], w - 1 - columns, columns)
    # shift and flip as one gather from the padded images: output pixel (i, j) reads padded pixel
    # (dy + i, dx + j), or (dy + i, dx + w - 1 - j) when mirrored
    rows = offsets[0][:, None] + torch.arange(h, device=batch.device)
    index = rows[:, :, None] * (w + 2 * shift) + offsets[1][:, None, None] + columns[:, None, :]
    padded = torch.nn.functional.pad(batch, (shift, shift, shift, shift)).reshape(n, c, -1)
    out = padded.gather(2, index.reshape(n, 1, h * w).expand(n, c, h * w)).reshape(n, c, h, w)
    channels_last = batch.is_contiguous(memory_format=torch.channels_last) and not batch.is_contiguous()
    return out.contiguous(memory_format=torch.channels_last) if channels_last else out
