/* check.h: the unit tests' few assertions. Each test binary ends with "N passed, N failed". */
#ifndef OCSP_PROXY_CHECK_H
#define OCSP_PROXY_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) { check_passed++; } \
	else { check_failed++; printf("not ok - %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ == check_b_) { check_passed++; } \
	else { check_failed++; printf("not ok - %s:%d: %s == %s (%lld != %lld)\n", \
	                               __FILE__, __LINE__, #a, #b, check_a_, check_b_); } \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) { check_passed++; } \
	else { check_failed++; printf("not ok - %s:%d: %s == \"%s\" (got \"%s\")\n", \
	                               __FILE__, __LINE__, #a, check_b_ ? check_b_ : "(null)", \
	                               check_a_ ? check_a_ : "(null)"); } \
} while (0)

/* The last line: the runner adds these up. */
#define CHECK_DONE() (printf("%d passed, %d failed\n", check_passed, check_failed), \
                      check_failed ? 1 : 0)

#endif
