"""Fits the abusive-language model's logistic regressions with scikit-learn, for
scripts/train-abusive-language.ts, which extracts every feature with the filter's own code.

Input, JSON lines, one per instance:
  {"bag": item id, "kind": "single"|"whole"|"part", "y": 0|1, "w": sample weight,
   "c": category or null, "fold": writer or "", "t": [text features, repeats counted],
   "tc": [category-head text features], "s": [structure features], "d": [dense features]}
A one-sentence item is a "single". An item of several sentences gives one "part" per sentence,
and an abusive one also its "whole". Text features are valued count / sqrt(number of text
features), structure features 1, dense features (the mean and maximum word embedding, named e:0…
and m:0…) as given: the sums the filter computes.

The abuse head is fitted twice (multiple-instance learning): first with each abusive item's
"whole", then with the sentence of it that the first fit rates most abusive, since a message is
abusive when one of its sentences is. With --folds, the same fit is repeated leaving out each group
of the project's corpus writers in turn, and each item of those writers is scored by the fit that
did not see them (the highest sentence rating): the out-of-fold scores that the operating point is chosen
on. The category heads are a multinomial fit on the abusive instances that carry a category.

Output JSON: {"abuse": head, "categories": {category: head}, "oof": {bag: score},
"oofRows": [out-of-fold probability, or null, for each input row],
"selected": {bag: part index}} where head = {"bias", "weights": {feature: weight}}.

Usage: fit.py INSTANCES OUT [--c C] [--category-c C] [--min-df N] [--prune X] [--folds] [--jobs N]
Needs Debian's python3-sklearn (apt-get install python3-sklearn).
"""
import argparse
import json
import math
import sys
from collections import Counter, defaultdict

import numpy as np
from scipy.sparse import csr_matrix
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression


def matrix_of(rows, key, vocabulary):
    data, indices, pointers = [], [], [0]
    dense_at = vocabulary.get("e:0")
    for row in rows:
        values = {}
        if dense_at is not None:
            for offset, value in enumerate(row.get("d", [])):
                if value:
                    values[dense_at + offset] = value
        text = row[key]
        if text:
            norm = 1 / math.sqrt(len(text))
            for name, count in Counter(text).items():
                index = vocabulary.get(name)
                if index is not None:
                    values[index] = values.get(index, 0.0) + count * norm
        for name in set(row["s"]):
            index = vocabulary.get(name)
            if index is not None:
                values[index] = values.get(index, 0.0) + 1.0
        indices.extend(values.keys())
        data.extend(values.values())
        pointers.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(pointers, dtype=np.int64)), shape=(len(rows), len(vocabulary)))


def vocabulary_of(rows, key, min_df):
    frequency = Counter()
    for row in rows:
        frequency.update(set(row[key]) | set(row["s"]))
    names = sorted(name for name, count in frequency.items() if count >= min_df)
    # the dense features last, in order: the mean embedding (e:), then the maximum (m:)
    dimensions = len(rows[0].get("d", [])) // 2 if rows else 0
    names += [f"e:{d}" for d in range(dimensions)] + [f"m:{d}" for d in range(dimensions)]
    return {name: index for index, name in enumerate(names)}, names


def head_of(names, coefficients, intercept, prune):
    return {"bias": round(float(intercept), 4), "weights": {names[i]: round(float(w), 4) for i, w in enumerate(coefficients) if abs(w) >= prune}}


def fit_abuse(rows, X, y, w, mask, c):
    """the two-pass fit on the rows where mask is true; returns the model and each positive bag's chosen part"""
    kinds = np.array([row["kind"] for row in rows])
    first = mask & ((kinds == "single") | ((kinds == "part") & (y == 0)) | ((kinds == "whole") & (y == 1)))
    model = LogisticRegression(C=c, solver="liblinear", dual=True, tol=1e-3, max_iter=2000)
    model.fit(X[first], y[first], sample_weight=w[first])
    parts = np.where(mask & (kinds == "part") & (y == 1))[0]
    scores = model.decision_function(X[parts]) if len(parts) else np.array([])
    best = {}
    for index, score in zip(parts, scores):
        bag = rows[index]["bag"]
        if bag not in best or score > best[bag][1]:
            best[bag] = (index, score)
    chosen = np.zeros(len(rows), dtype=bool)
    for index, _ in best.values():
        chosen[index] = True
    second = mask & ((kinds == "single") | ((kinds == "part") & (y == 0)) | chosen)
    model = LogisticRegression(C=c, solver="liblinear", dual=True, tol=1e-3, max_iter=2000)
    model.fit(X[second], y[second], sample_weight=w[second])
    return model, {rows[index]["bag"]: index for index, _ in best.values()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instances")
    parser.add_argument("out")
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--category-c", type=float, default=1.0)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--prune", type=float, default=0.01)
    parser.add_argument("--folds", action="store_true")
    parser.add_argument("--jobs", type=int, default=2, help="fits run at once for the folds")
    parser.add_argument("--fold-groups", type=int, default=6, help="groups of writers, each left out in turn")
    args = parser.parse_args()

    with open(args.instances, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    vocabulary, names = vocabulary_of(rows, "t", args.min_df)
    X = matrix_of(rows, "t", vocabulary)
    y = np.array([int(row["y"]) for row in rows])
    w = np.array([float(row["w"]) for row in rows])
    everything = np.ones(len(rows), dtype=bool)
    print(f"  {len(rows)} instances, {len(vocabulary)} features (document frequency >= {args.min_df})", file=sys.stderr)

    oof = {}
    oof_rows = [None] * len(rows)
    if args.folds:
        # the writers in --fold-groups groups, each left out in turn: every item is still scored by a fit without its writer
        writers = sorted({row["fold"] for row in rows if row["fold"]})
        group_of = {writer: f"group {index % args.fold_groups + 1}" for index, writer in enumerate(writers)}
        folds = sorted(set(group_of.values()))
        fold_of = np.array([group_of.get(row["fold"], "") for row in rows])
        not_whole = np.array([row["kind"] != "whole" for row in rows])

        def held_out(fold):
            model, _ = fit_abuse(rows, X, y, w, fold_of != fold, args.c)
            held = np.where((fold_of == fold) & not_whole)[0]
            return fold, held, model.predict_proba(X[held])[:, 1]

        # one fit per core; liblinear uses one
        for fold, held, scores in Parallel(n_jobs=args.jobs)(delayed(held_out)(fold) for fold in folds):
            bag_scores = defaultdict(float)
            for index, score in zip(held, scores):
                oof_rows[index] = round(float(score), 6)
                bag = rows[index]["bag"]
                bag_scores[bag] = max(bag_scores[bag], float(score))
            oof.update(bag_scores)
            print(f"  {fold} ({', '.join(writer for writer, group in group_of.items() if group == fold)}): {len(bag_scores)} items scored by the fit without their writers", file=sys.stderr)

    model, selected = fit_abuse(rows, X, y, w, everything, args.c)
    abuse = head_of(names, model.coef_[0], model.intercept_[0], args.prune)

    # category heads: the abusive singles and chosen parts that carry a category
    chosen = set(selected.values())
    category_rows = [row for index, row in enumerate(rows) if row["y"] == 1 and row.get("c") and (row["kind"] == "single" or index in chosen)]
    category_vocabulary, category_names = vocabulary_of(category_rows, "tc", args.min_df)
    Xc = matrix_of(category_rows, "tc", category_vocabulary)
    yc = np.array([row["c"] for row in category_rows])
    wc = np.array([float(row["w"]) for row in category_rows])
    categorical = LogisticRegression(C=args.category_c, solver="lbfgs", max_iter=3000)
    categorical.fit(Xc, yc, sample_weight=wc)
    categories = {str(label): head_of(category_names, categorical.coef_[k], categorical.intercept_[k], args.prune) for k, label in enumerate(categorical.classes_)}
    print(f"  categories: {len(category_rows)} instances, {len(category_vocabulary)} features, {dict(Counter(yc))}", file=sys.stderr)

    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"abuse": abuse, "categories": categories, "oof": oof, "oofRows": oof_rows, "selected": {bag: rows[index].get("part", 0) for bag, index in selected.items()}, "features": len(vocabulary)}, handle)


if __name__ == "__main__":
    main()
