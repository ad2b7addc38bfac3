# cython: language_level=3
"""What this CPU runs: the instruction sets of the kernel builds :mod:`w2vlib._dispatch` picks from.

Asked through gcc's ``__builtin_cpu_supports``, which reads CPUID and also checks that the
operating system saves the wide registers (XGETBV), so a feature the OS has switched off counts as
absent. Compiled once, for the baseline instruction set, so that it runs on any CPU it asks about.

Examples
--------
>>> has_avx512() <= has_avx2_fma()   # the AVX-512 build also needs AVX2 and FMA
True
"""

cdef extern from *:
    """
    /* Whether this CPU (and OS) runs the AVX2 + FMA build (x86-64-v3); false where it cannot be
       asked. */
    static int w2v_cpu_has_avx2_fma(void) {
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    #else
        return 0;
    #endif
    }

    /* Whether this CPU (and OS) runs the AVX-512 build (x86-64-v4: F, VL, BW, DQ). */
    static int w2v_cpu_has_avx512(void) {
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_cpu_init();
        return w2v_cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq");
    #else
        return 0;
    #endif
    }
    """
    int w2v_cpu_has_avx2_fma() nogil
    int w2v_cpu_has_avx512() nogil


def has_avx2_fma():
    """Whether the CPU runs the AVX2 + FMA build of the kernels (``_inner_avx2``).

    Returns
    -------
    bool
        True when the CPU has AVX2 and FMA and the operating system enables them.
    """
    return bool(w2v_cpu_has_avx2_fma())


def has_avx512():
    """Whether the CPU runs the AVX-512 build of the kernels (``_inner_avx512``).

    Returns
    -------
    bool
        True when the CPU has AVX2, FMA and AVX-512 F, VL, BW and DQ, and the operating system
        enables them.
    """
    return bool(w2v_cpu_has_avx512())
