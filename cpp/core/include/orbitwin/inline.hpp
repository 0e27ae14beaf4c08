// Inlining attributes shared by the kernels.
#pragma once

// ORBITWIN_ALWAYS_INLINE: for helpers that kernels call inside vectorised
// loops, which a call (GCC's inlining limits) would keep scalar.
// ORBITWIN_NOINLINE: for rare paths kept out of a kernel's hot loop.
#if defined(__GNUC__)
#define ORBITWIN_ALWAYS_INLINE __attribute__((always_inline))
#define ORBITWIN_NOINLINE __attribute__((noinline))
#else
#define ORBITWIN_ALWAYS_INLINE
#define ORBITWIN_NOINLINE
#endif
