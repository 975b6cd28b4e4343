#pragma once
// What libberth.so exports. The library is compiled with hidden visibility,
// so only what carries BERTH_API is visible to other programs: the classes
// and functions of these headers. The helpers inside the library, and the
// instances of nlohmann/json, yaml-cpp and Boost templates it uses, stay
// private to it.
//
// A class marked BERTH_API exports its type information and vtable too:
// berth's exceptions are caught by type in other programs, and the type
// must then be the one the library threw.
//
// The macro means the same when berth is built and when its headers are
// used: a program that includes them defines nothing. Its default
// visibility only matters to the one who defines a symbol, which is the
// library; in a program built with -fvisibility=hidden it also keeps
// berth's types visible, as they must be to be caught.

#if defined(__GNUC__) || defined(__clang__)
#define BERTH_API __attribute__((visibility("default")))
#else
#define BERTH_API
#endif
