/* empty: a C program that does nothing, the absolute floor of process start-up. */
int
main(void)
{
	return 0;
}
