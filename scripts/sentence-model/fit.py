"""Fits a sentence model's logistic regression with scikit-learn, for
the sentence-model trainers (scripts/train-party-political.ts, scripts/train-obligation.ts),
which extract every feature with the filters' own code.

Input, JSON lines, one per instance: {"f": [feature, ...], "y": 0|1, "w": sample weight,
"fold": group name or ""}. Features are binary. With --folds, the fit is repeated leaving out
each named group in turn, and each item of that group is scored by the fit that did not see it:
the out-of-fold scores the operating point is chosen on. Items with an empty group are always
trained on.

Output JSON: {"bias": b, "weights": {feature: weight}, "oof": [score or null, in input order]}.

Usage: fit.py INSTANCES OUT [--c C] [--min-df N] [--folds]
Needs Debian's python3-sklearn (apt-get install python3-sklearn).
"""
import argparse
import json
from collections import Counter

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("instances")
    parser.add_argument("out")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--folds", action="store_true")
    args = parser.parse_args()

    rows = [json.loads(line) for line in open(args.instances, encoding="utf-8")]
    df = Counter(feature for row in rows for feature in set(row["f"]))
    vocabulary = {feature: i for i, feature in enumerate(sorted(f for f, n in df.items() if n >= args.min_df))}
    data, indices, pointers = [], [], [0]
    for row in rows:
        columns = sorted({vocabulary[f] for f in row["f"] if f in vocabulary})
        indices.extend(columns)
        data.extend([1.0] * len(columns))
        pointers.append(len(indices))
    X = csr_matrix((data, indices, pointers), shape=(len(rows), len(vocabulary)))
    y = np.array([row["y"] for row in rows])
    w = np.array([row["w"] for row in rows], dtype=float)
    folds = np.array([row.get("fold", "") for row in rows])

    def fit(mask):
        model = LogisticRegression(C=args.c, solver="liblinear", max_iter=2000)
        model.fit(X[mask], y[mask], sample_weight=w[mask])
        return model

    oof = [None] * len(rows)
    if args.folds:
        for group in sorted(set(folds) - {""}):
            held = folds == group
            model = fit(~held)
            for index, score in zip(np.flatnonzero(held), model.predict_proba(X[held])[:, 1]):
                oof[int(index)] = float(score)
    model = fit(np.ones(len(rows), dtype=bool))
    names = sorted(vocabulary, key=vocabulary.get)
    weights = {name: round(float(weight), 5) for name, weight in zip(names, model.coef_[0]) if abs(weight) >= 1e-4}
    json.dump({"bias": float(model.intercept_[0]), "weights": weights, "oof": oof}, open(args.out, "w", encoding="utf-8"))
    print(f"  {len(rows)} instances, {len(vocabulary)} features, {len(weights)} weights kept")


if __name__ == "__main__":
    main()
