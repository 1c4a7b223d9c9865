from citychan.cli import main

main()
