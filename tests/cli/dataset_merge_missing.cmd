d=$(mktemp -d) && $LS dataset eval tests/data/dataset/a.jsonl --b tests/data/dataset/b.jsonl -n 3 --shard 1/2 --out $d/p1.json >/dev/null && $LS dataset merge $d/p1.json; rc=$?; rm -rf $d; exit $rc
