/* bool after an ldns header. ldns/common.h, included before <stdbool.h>,
 * makes bool a signed char unless HAVE_STDBOOL_H is defined (it cannot
 * know whether the compiler has stdbool.h): then `bool b = count;` is
 * false for a count of 256, and the translation units that include ldns
 * first disagree with the others on what a bool is. The build defines it
 * (CMakeLists.txt); this suite includes ldns first, as 16 of the
 * daemon's files do, and checks that bool is C's own. */
#include <ldns/util.h>

#include <stdbool.h>

#include "cunit.h"

static void test_bool_is_c_bool(void)
{
#ifdef _Bool
	CU_FAIL("ldns/common.h defined _Bool as a macro");
#endif
	volatile int many = 256, two = 2;
	bool a = many, b = two;
	CU_ASSERT_TRUE(a);
	CU_ASSERT_EQUAL((int)b, 1);
	CU_ASSERT_EQUAL(sizeof(bool), sizeof(_Bool));
}

int gw_test_register(void)
{
	return gw_test_suite("bool after ldns", (gw_test_t[]){
	                                            {"bool is C's bool", test_bool_is_c_bool},
	                                            {NULL, NULL},
	                                        });
}
