/*
 * error.c: the error table and the per-thread error detail.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

struct nhi_error_info {
	const char	*name;
	int		 exit_class;
	const char	*message;
};

#define NHI_ERR_INFO(name, cls, msg) { #name, NHI_EXIT_##cls, msg },
static const struct nhi_error_info error_table[] = { NHI_ERRORS(NHI_ERR_INFO) };
#undef NHI_ERR_INFO

static _Thread_local char err_buf[1024];
static _Thread_local int err_code;
static _Thread_local const char *err_reason_key;

static const struct nhi_error_info *
error_info(int code)
{
	int pos = -code;

	if (pos < 0 || pos >= NHI_E_COUNT)
		pos = NHI_EINTERNAL_POS;
	return &error_table[pos];
}

const char *
nhi_strerror(int code)
{
	return error_info(code)->message;
}

int
nhi_exit_code(int code)
{
	return error_info(code)->exit_class;
}

const char *
nhi_errname(int code)
{
	return error_info(code)->name;
}

int
err_setv(int code, const char *fmt, va_list ap)
{
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	err_code = code;
	err_reason_key = NULL;
	return code;
}

int
err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

int
err_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err_buf)];
	size_t plen, olen;
	va_list ap;

	if (err_code != 0 && err_buf[0] != '\0')
		snprintf(old, sizeof(old), "%s", err_buf);
	else
		snprintf(old, sizeof(old), "%s", nhi_strerror(code));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	olen = strlen(old);
	if (olen > sizeof(err_buf) - 1 - plen)
		olen = sizeof(err_buf) - 1 - plen;
	memcpy(err_buf, prefix, plen);
	memcpy(err_buf + plen, old, olen);
	err_buf[plen + olen] = '\0';
	err_code = code;
	return code;
}

const char *
err_detail(void)
{
	return err_code != 0 ? err_buf : NULL;
}

int
err_last(void)
{
	return err_code;
}

void
err_clear(void)
{
	err_code = 0;
	err_buf[0] = '\0';
	err_reason_key = NULL;
}

int
err_reason(int code, const char *key)
{
	if (err_code == code && code != 0)
		err_reason_key = key;
	return code;
}

const char *
err_reason_of(int code)
{
	return err_code == code && code != 0 ? err_reason_key : NULL;
}

const char *
err_text(int code)
{
	if (err_code == code && code != 0 && err_buf[0] != '\0')
		return err_buf;
	return nhi_strerror(code);
}
