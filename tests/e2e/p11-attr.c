/* SPDX-License-Identifier: Apache-2.0 */
/*
 * p11-attr MODULE TOKEN LABEL PINFILE: try to read the private key LABEL
 * out of a PKCS#11 token (C_GetAttributeValue on CKA_VALUE), as an
 * attacker holding the PIN would. Prints what the token said and the
 * key's CKA_SENSITIVE and CKA_EXTRACTABLE; exits 0 when the value was
 * refused, 1 when it could be read, 2 when the key was not found.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

/* Most slots looked at. */
#define ATTR_SLOTS_MAX	64

int
main(int argc, char *argv[])
{
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slots[ATTR_SLOTS_MAX];
	CK_ULONG nslots = ATTR_SLOTS_MAX, i, found = 0;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE obj;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_BBOOL sens = 0, extr = 1;
	CK_BYTE value[8192];
	char pin[256];
	size_t tl, pl;
	FILE *pf;
	CK_RV rv;
	CK_ATTRIBUTE find[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, NULL, 0 },
	};
	CK_ATTRIBUTE flags[2] = {
		{ CKA_SENSITIVE, &sens, sizeof(sens) },
		{ CKA_EXTRACTABLE, &extr, sizeof(extr) },
	};
	CK_ATTRIBUTE val = { CKA_VALUE, value, sizeof(value) };

	if (argc != 5) {
		fprintf(stderr, "usage: p11-attr MODULE TOKEN LABEL PINFILE\n");
		return 2;
	}
	if ((pf = fopen(argv[4], "r")) == NULL ||
	    fgets(pin, sizeof(pin), pf) == NULL)
		return 2;
	fclose(pf);
	pin[strcspn(pin, "\r\n")] = '\0';
	if ((f = p11_kit_module_load(argv[1], 0)) == NULL ||
	    p11_kit_module_initialize(f) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
		return 2;
	tl = strlen(argv[2]);
	for (i = 0; i < nslots && !found; i++)
		found = f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    tl <= sizeof(ti.label) &&
		    memcmp(ti.label, argv[2], tl) == 0 &&
		    (tl == sizeof(ti.label) || ti.label[tl] == ' ');
	pl = strlen(pin);
	if (!found || f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION, NULL,
	    NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, pl) != CKR_OK)
		return 2;
	find[1].pValue = argv[3];
	find[1].ulValueLen = strlen(argv[3]);
	found = 0;
	if (f->C_FindObjectsInit(s, find, 2) != CKR_OK ||
	    f->C_FindObjects(s, &obj, 1, &found) != CKR_OK ||
	    f->C_FindObjectsFinal(s) != CKR_OK || found != 1)
		return 2;
	(void)f->C_GetAttributeValue(s, obj, flags, 2);
	rv = f->C_GetAttributeValue(s, obj, &val, 1);
	printf("CKA_SENSITIVE=%d CKA_EXTRACTABLE=%d CKA_VALUE: %s\n",
	    (int)sens, (int)extr, rv == CKR_OK && val.ulValueLen !=
	    (CK_ULONG)-1 ? "readable" : rv == CKR_ATTRIBUTE_SENSITIVE ?
	    "refused (CKR_ATTRIBUTE_SENSITIVE)" : "refused");
	(void)f->C_Logout(s);
	(void)f->C_CloseSession(s);
	p11_kit_module_finalize(f);
	p11_kit_module_release(f);
	return rv == CKR_OK && val.ulValueLen != (CK_ULONG)-1 ? 1 : 0;
}
