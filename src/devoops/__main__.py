from devoops.cli import main

main()
