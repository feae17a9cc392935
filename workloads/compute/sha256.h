/* sha256.h: SHA-256 (FIPS 180-4) in one call; no state kept between calls.
 * sha256(data, len, out) writes the 32-byte digest; sha256_hex() renders it
 * as 64 lowercase hex digits plus NUL. Error policy: none can fail; they
 * allocate nothing and read exactly len bytes. */
#ifndef SHA256_H
#define SHA256_H
#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, uint8_t out[32]);
void sha256_hex(const uint8_t d[32], char out[65]);
#endif
