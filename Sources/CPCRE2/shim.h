#ifndef CONSTRAINT_ENGINE_CPCRE2_SHIM_H
#define CONSTRAINT_ENGINE_CPCRE2_SHIM_H
// PCRE2 needs its code unit width chosen before the header is included; the engine matches
// UTF-8 subjects, so it uses the 8-bit library (libpcre2-8).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
