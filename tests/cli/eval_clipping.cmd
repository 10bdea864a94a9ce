$LS eval tests/data/eval/clip.json --allow-nonfinite -n 3 --json | grep -E '"(clipping_rate|clipped_logits|clipped_steps|clipping_per_step)"'
