#!/usr/bin/env python3
"""Prints the constants of the folding CRC-32 in include/symphonic/io/detail/crc32.hpp.

Each folding constant is x^n mod P(x) for P the CRC-32 polynomial 0x104C11DB7, bit-reflected
(the register runs least significant bit first) and shifted left one bit, because a carry-less
product of two reflected values lands one bit short. Barrett reduction needs mu = x^64 div P(x)
and P itself, both reflected over 33 bits.
"""

P = 0x104C11DB7


def x_pow_mod_p(n):
    r = 1
    for _ in range(n):
        r <<= 1
        if r >> 32 & 1:
            r ^= P
    return r


def reflect(value, bits):
    return int(format(value, "0%db" % bits)[::-1], 2)


def div_p(a):
    q = 0
    while a.bit_length() >= P.bit_length():
        shift = a.bit_length() - P.bit_length()
        q |= 1 << shift
        a ^= P << shift
    return q


for name, n in [("fold4 lo", 512 + 32), ("fold4 hi", 512 - 32), ("fold1 lo", 128 + 32),
                ("fold1 hi", 128 - 32), ("fold64", 64)]:
    print("%-9s x^%-3d mod P: 0x%09x" % (name, n, reflect(x_pow_mod_p(n), 32) << 1))
print("mu        x^64 div P:  0x%09x" % reflect(div_p(1 << 64), 33))
print("P                      0x%09x" % reflect(P, 33))
