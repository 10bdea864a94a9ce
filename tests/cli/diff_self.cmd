$LS diff tests/data/eval/diff_a.json tests/data/eval/diff_a.json --json | grep -E '"(mean_kld|kld_max|same_top|ln_ppl_ratio|mean_jsd)"'
