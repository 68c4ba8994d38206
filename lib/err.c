/* err: filling and reading a struct err (err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

void
err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;

	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
err_clear(struct err *e)
{
	e->kind = ERR_NONE;
	e->msg[0] = '\0';
}

const char *
err_str(const struct err *e)
{
	return e->kind != ERR_NONE || e->msg[0] != '\0' ? e->msg : "no error";
}
