#include "agent/cli/cli.h"

int main(int argc, char** argv) { return fulcrum::agent::run_cli(argc, argv); }
