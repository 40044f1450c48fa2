"""Trains the abusive-language filter's convolutional network with PyTorch, for
scripts/train-abusive-language.ts, which writes the instances with the filter's own tokenizer.

The network reads a sentence as the sequence of its words (the filter's `Token.word`, so disguised
spellings arrive undone), each as a 100-dimensional embedding that starts from the shipped word
vectors (word-vectors.json, the same int8 unit vectors the filter loads) and is fine-tuned. Three
convolutions (widths 1, 3 and 5 words) with a ReLU are max-pooled over the sentence, and one
linear layer gives the logit. Several sentences read as one are joined with two padding positions
between them, so that no window crosses from one sentence to the next: the pooled features of
sentences read together are the element-wise maximum of each one's, which is how the filter rates
a pair of sentences without reading their words again.

It learns what the logistic regression does not see: the order of words in phrases ("you'll get a
lot further … if you're a bit friendlier after hours") and how the register of ordinary mail
differs from abuse. The filter combines the two (model.ts).

Input, JSON lines (the instances file fit.py reads), of which this uses: "y", "w", "kind", "fold",
"src" (the source's name) and "n" (the row's sentences, each a list of words).
Trained on the rows of the sources named by --sources: each "single" row, each "whole" row of an
abusive item, and each "part" row of an ordinary one. With --folds, the same fit is repeated leaving
out each group of corpus writers in turn (the groups of fit.py), and every row of theirs that is not
a "whole" is given the logit of the fit that did not see them.

Output JSON: the network (see model.ts, NetworkFile) without its version and metrics, and
"oof": [logit or null for each input row].

Usage: network.py INSTANCES VECTORS OUT [--folds] [--fold-groups N] [--epochs N] [--channels N] [--sources a,b]
Needs Debian's python3-torch (apt-get install python3-torch).
"""
import argparse
import base64
import json
import math
import sys
from collections import Counter

import numpy as np
import torch
import torch.nn as nn

WIDTHS = (1, 3, 5)
PAD, UNKNOWN = 0, 1
SEPARATOR = [PAD, PAD]  # the widest window reaches two words either side


class Network(nn.Module):
    def __init__(self, embeddings: np.ndarray, channels: int, dropout: float):
        super().__init__()
        self.embedding = nn.Embedding(embeddings.shape[0], embeddings.shape[1], padding_idx=PAD)
        self.embedding.weight.data.copy_(torch.from_numpy(embeddings))
        self.convolutions = nn.ModuleList([nn.Conv1d(embeddings.shape[1], channels, width, padding=width // 2) for width in WIDTHS])
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(channels * len(WIDTHS), 1)

    def pooled(self, ids: torch.Tensor) -> torch.Tensor:
        embedded = self.dropout(self.embedding(ids)).transpose(1, 2)
        present = (ids != PAD).unsqueeze(1)
        features = []
        for convolution in self.convolutions:
            hidden = torch.relu(convolution(embedded))
            # padding positions never win the maximum; a row of nothing but padding pools to 0
            features.append(hidden.masked_fill(~present, 0.0).max(2).values)
        return torch.cat(features, 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.output(self.dropout(self.pooled(ids))).squeeze(1)


def read_vectors(path):
    with open(path, encoding="utf-8") as handle:
        file = json.load(handle)
    dimensions = file["dimensions"]
    components = np.frombuffer(base64.b64decode(file["vectors"]), dtype=np.int8).reshape(len(file["words"]), dimensions)
    return file["words"], components.astype(np.float32) / 127.0


def sequence_of(sentences, index):
    ids = []
    for number, sentence in enumerate(sentences):
        if number > 0:
            ids.extend(SEPARATOR)
        ids.extend(index.get(word, UNKNOWN) for word in sentence)
    return ids or [UNKNOWN]


def batch_of(sequences):
    longest = max(len(sequence) for sequence in sequences)
    out = np.zeros((len(sequences), longest), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        out[row, : len(sequence)] = sequence
    return torch.from_numpy(out)


def fit(embeddings, sequences, labels, weights, args, seed):
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    network = Network(embeddings, args.channels, args.dropout)
    optimiser = torch.optim.Adam(network.parameters(), lr=args.learning_rate)
    positive = weights[labels == 1].sum()
    negative = weights[labels == 0].sum()
    # abuse is the rarer class; halfway to balancing it keeps the network's scores spread out
    positive_weight = 0.5 * negative / max(positive, 1e-9)
    scaled = weights / weights.mean()
    for epoch in range(args.epochs):
        network.train()
        order = generator.permutation(len(sequences))
        total = 0.0
        for start in range(0, len(order), args.batch):
            rows = order[start : start + args.batch]
            logits = network(batch_of([sequences[row] for row in rows]))
            target = torch.from_numpy(labels[rows].astype(np.float32))
            loss = nn.functional.binary_cross_entropy_with_logits(logits, target, weight=torch.from_numpy(scaled[rows].astype(np.float32)), pos_weight=torch.tensor(positive_weight))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(rows)
        print(f"    epoch {epoch + 1}: loss {total / len(order):.4f}", file=sys.stderr, flush=True)
    network.eval()
    return network


def logits_of(network, sequences):
    out = []
    with torch.no_grad():
        for start in range(0, len(sequences), 512):
            out.extend(network(batch_of(sequences[start : start + 512])).tolist())
    return out


def encode(array: np.ndarray, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def quantise(network, rows):
    """the trained words' embeddings as int8 with a scale each; the network then uses the rounded values, as the filter will"""
    with torch.no_grad():
        table = network.embedding.weight.numpy()[rows].copy()
        scales = (np.maximum(np.abs(table).max(axis=1), 1e-8) / 127.0).astype(np.float32)
        quantised = np.round(table / scales[:, None]).astype(np.int8)
        network.embedding.weight[torch.tensor(rows, dtype=torch.long)] = torch.from_numpy(quantised.astype(np.float32) * scales[:, None])
    return quantised, scales


def export(network, trained_words, quantised, scales, args, checks):
    embedding = network.embedding.weight.detach().numpy()
    convolutions = []
    for width, convolution in zip(WIDTHS, network.convolutions):
        # stored as [position in the window][input dimension][channel], the order the filter sums in
        weight = convolution.weight.detach().numpy().transpose(2, 1, 0)
        convolutions.append({"width": width, "weights": encode(weight, np.float32), "bias": encode(convolution.bias.detach().numpy(), np.float32)})
    return {
        "dimensions": int(embedding.shape[1]),
        "channels": args.channels,
        "words": trained_words,
        "embeddings": encode(quantised, np.int8),
        "scales": encode(scales, np.float32),
        "unknown": encode(embedding[UNKNOWN], np.float32),
        "convolutions": convolutions,
        "output": {"weights": encode(network.output.weight.detach().numpy()[0], np.float32), "bias": float(network.output.bias.detach().numpy()[0])},
        "checks": checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instances")
    parser.add_argument("vectors")
    parser.add_argument("out")
    parser.add_argument("--folds", action="store_true")
    parser.add_argument("--fold-groups", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.4)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--min-count", type=int, default=2, help="a word outside the word vectors needs this many occurrences for an embedding of its own")
    parser.add_argument("--sources", default="corpus,corpus-background,enron-intent")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    sources = set(args.sources.split(","))
    with open(args.instances, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    words, vectors = read_vectors(args.vectors)
    used = [row for row in rows if row["src"] in sources]
    counts = Counter(word for row in used for sentence in row["n"] for word in sentence)
    known = set(words)
    extra = sorted(word for word, count in counts.items() if word not in known and count >= args.min_count)
    vocabulary = words + extra
    index = {word: position + 2 for position, word in enumerate(vocabulary)}
    generator = np.random.default_rng(args.seed)
    embeddings = np.zeros((len(vocabulary) + 2, vectors.shape[1]), dtype=np.float32)
    embeddings[2 : 2 + len(words)] = vectors
    embeddings[2 + len(words) :] = generator.normal(0, 0.05, (len(extra), vectors.shape[1]))
    embeddings[UNKNOWN] = generator.normal(0, 0.05, vectors.shape[1])

    sequences = [sequence_of(row["n"], index) for row in rows]
    labels = np.array([int(row["y"]) for row in rows])
    weights = np.array([float(row["w"]) for row in rows])
    kinds = np.array([row["kind"] for row in rows])
    in_sources = np.array([row["src"] in sources for row in rows])
    trainable = in_sources & ((kinds == "single") | ((kinds == "whole") & (labels == 1)) | ((kinds == "part") & (labels == 0)))
    print(f"  network: {int(trainable.sum())} training rows, {len(vocabulary)} words ({len(extra)} beyond the word vectors)", file=sys.stderr, flush=True)

    def fit_on(mask, seed):
        chosen = np.where(mask)[0]
        return fit(embeddings, [sequences[i] for i in chosen], labels[chosen], weights[chosen], args, seed)

    oof = [None] * len(rows)
    if args.folds:
        writers = sorted({row["fold"] for row in rows if row["fold"]})
        group_of = {writer: index_ % args.fold_groups for index_, writer in enumerate(writers)}
        groups = np.array([group_of.get(row["fold"], -1) for row in rows])
        for group in range(args.fold_groups):
            print(f"  network, fold {group + 1} of {args.fold_groups}", file=sys.stderr, flush=True)
            network = fit_on(trainable & (groups != group), args.seed + group + 1)
            held = np.where((groups == group) & (kinds != "whole"))[0]
            for row, logit in zip(held, logits_of(network, [sequences[i] for i in held])):
                oof[row] = round(float(logit), 4)

    print("  network, final fit", file=sys.stderr, flush=True)
    network = fit_on(trainable, args.seed)
    trained_words = sorted(word for word in counts if word in index)
    quantised, scales = quantise(network, [index[word] for word in trained_words])
    # a few sentences and the logits PyTorch gives them, for the filter's tests to reproduce
    singles = [row for row in used if row["kind"] == "single"]
    joined = [row for row in used if len(row["n"]) == 2]
    samples = singles[:: max(1, len(singles) // 10)][:10] + joined[:: max(1, len(joined) // 4)][:4]
    checks = [{"sentences": row["n"], "logit": round(float(logit), 5)} for row, logit in zip(samples, logits_of(network, [sequence_of(row["n"], index) for row in samples]))]
    result = export(network, trained_words, quantised, scales, args, checks)
    result["oof"] = oof
    result["parameters"] = {"widths": list(WIDTHS), "channels": args.channels, "dropout": args.dropout, "epochs": args.epochs, "learningRate": args.learning_rate, "batch": args.batch, "minCount": args.min_count, "sources": sorted(sources), "seed": args.seed, "trainingRows": int(trainable.sum()), "fit": f"PyTorch {torch.__version__}, Adam, binary cross-entropy"}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
