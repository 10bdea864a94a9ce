t=$(mktemp -d) && $LS dump --model tests/data/model/small.lsm --prompt "The" --max-tokens 5 -o "$t/d.npy" | sed "s|$t|TMP|" && $LS show "$t/d.npy" --step 1 --top 3 | sed "s|$t|TMP|"; rm -rf "$t"
