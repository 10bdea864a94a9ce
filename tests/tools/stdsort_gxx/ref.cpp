// ref.cpp: libstdc++'s own std::partial_sort and std::sort on the arrays
// that emu_driver.c prints (the reference for core/sampling/stdsort.c).
// Input, per case: "n k" then n floats (the logits of ids 0..n-1).
// Output, per case: the ids of partial_sort(k) (first k), then the ids of
// std::sort, one line each. The comparison is llama.cpp's: a.logit > b.logit.
#include <algorithm>
#include <cstdio>
#include <vector>

struct tok { int id; float logit; float p; };

int main()
{
    int n, k;
    while (std::scanf("%d %d", &n, &k) == 2) {
        std::vector<tok> a(n);
        for (int i = 0; i < n; i++) { a[i].id = i; a[i].p = 0; if (std::scanf("%f", &a[i].logit) != 1) return 1; }
        std::vector<tok> b = a;
        auto comp = [](const tok &x, const tok &y) { return x.logit > y.logit; };
        std::partial_sort(a.begin(), a.begin() + k, a.end(), comp);
        for (int i = 0; i < k; i++) std::printf("%d ", a[i].id);
        std::printf("\n");
        std::sort(b.begin(), b.end(), comp);
        for (int i = 0; i < n; i++) std::printf("%d ", b[i].id);
        std::printf("\n");
    }
    return 0;
}
