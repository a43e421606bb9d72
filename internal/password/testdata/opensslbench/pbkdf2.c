/*
 * OpenSSL's PBKDF2-HMAC-SHA512 in a loop, for BenchmarkOpenSSLPBKDF2.
 *
 * usage: pbkdf2 ROUNDS COUNT SECRET SALT_HEX
 * Runs PKCS5_PBKDF2_HMAC(SECRET, SALT, ROUNDS, EVP_sha512(), 64 bytes) COUNT
 * times and prints the elapsed nanoseconds of the loop alone (no process
 * start-up) and the derived key in hex, so the caller can check that the
 * work is the same as its own.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int unhex(const char *s, unsigned char *out, size_t cap, size_t *n) {
	size_t len = strlen(s);
	if (len % 2 != 0 || len / 2 > cap)
		return 0;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return 0;
		out[i] = (unsigned char)b;
	}
	*n = len / 2;
	return 1;
}

int main(int argc, char **argv) {
	unsigned char salt[1024], key[64];
	size_t saltlen;
	struct timespec start, end;

	if (argc != 5 || !unhex(argv[4], salt, sizeof salt, &saltlen)) {
		fprintf(stderr, "usage: pbkdf2 ROUNDS COUNT SECRET SALT_HEX\n");
		return 2;
	}
	int rounds = atoi(argv[1]);
	long count = atol(argv[2]);
	const char *secret = argv[3];

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++) {
		if (!PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt, (int)saltlen,
		                       rounds, EVP_sha512(), sizeof key, key)) {
			fprintf(stderr, "PKCS5_PBKDF2_HMAC failed\n");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);

	long long ns = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL +
	               (end.tv_nsec - start.tv_nsec);
	printf("%lld ", ns);
	for (size_t i = 0; i < sizeof key; i++)
		printf("%02x", key[i]);
	printf("\n");
	return 0;
}
